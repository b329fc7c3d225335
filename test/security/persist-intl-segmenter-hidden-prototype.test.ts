/**
 * Persistence: lockdown freezes everything reachable from the global object, plus a list of
 * intrinsics reachable only through syntax. Some intrinsics are reachable only through the
 * objects a built-in returns: `new Intl.Segmenter().segment(s)` is a %Segments% object whose
 * prototype (and its iterator's prototype) is no property of anything global. A call that
 * writes its secret onto those prototypes would leave it for every later call of the tool.
 * The probe also sweeps the other built-in results for an unfrozen prototype.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk, expectNoCarryOver } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const TOOL = `
function hiddenPrototypes(): Array<[string, any]> {
  const seg = new Intl.Segmenter('en', { granularity: 'word' });
  const segments = seg.segment('a b');
  return [
    ['%Segments%', Object.getPrototypeOf(segments)],
    ['%SegmentIterator%', Object.getPrototypeOf(segments[Symbol.iterator]())],
    ['%RegExpStringIterator%', Object.getPrototypeOf('aa'.matchAll(/a/g))],
    ['%ArrayIterator%', Object.getPrototypeOf([].values())],
    ['%AsyncGenerator%', Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})()))],
    ['%Generator%', Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()))],
    // Non-standard, so lockdown removes it (the allow-list does not name it); if it were ever
    // there again, its prototype would be checked like the others.
    ...((Intl as any).v8BreakIterator ? [['v8BreakIterator', Object.getPrototypeOf(new (Intl as any).v8BreakIterator())] as [string, any]] : []),
  ];
}
export default (args: { token: string }) => {
  const seen: string[] = [];
  for (const [name, proto] of hiddenPrototypes()) {
    if (proto.stash !== undefined) seen.push(name + '.stash=' + String(proto.stash));
  }
  const planted: Record<string, string> = {};
  const unfrozen: string[] = [];
  for (const [name, proto] of hiddenPrototypes()) {
    if (!Object.isFrozen(proto)) unfrozen.push(name);
    try { Object.defineProperty(proto, 'stash', { value: args.token, configurable: true }); planted[name] = 'written'; } catch (e) { planted[name] = (e as Error).name; }
  }
  return { token: args.token, seen, planted, unfrozen };
};`;

it('the hidden Intl.Segmenter prototypes carry nothing from one call to the next', async () => {
  await createOk(server, 'segmenter_stash', TOOL);
  const calls = await expectNoCarryOver(server, 'segmenter_stash');
  // The root cause, stated directly: every intrinsic a call can reach is frozen.
  expect(calls[0]!.result['unfrozen']).toEqual([]);
  await expectContained(server, { tool: 'segmenter_stash' });
});
