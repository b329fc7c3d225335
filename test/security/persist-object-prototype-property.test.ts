/**
 * Persistence: a call writes its secret argument onto Object.prototype (and the other common
 * prototypes), so that every object of the next call inherits it: `({}).stash` would read it.
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
const PROTOS: Array<[string, any]> = [
  ['Object', Object.prototype], ['Array', Array.prototype], ['Function', Function.prototype],
  ['String', String.prototype], ['Error', Error.prototype], ['Promise', Promise.prototype],
  ['Map', Map.prototype], ['RegExp', RegExp.prototype], ['Iterator', Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))],
];
export default (args: { token: string }) => {
  const seen: string[] = [];
  // Inherited reads, as ordinary code would hit them.
  const probes: Array<[string, any]> = [['{}', {}], ['[]', []], ['fn', () => 0], ['str', 'x'], ['err', new Error('e')], ['promise', Promise.resolve()], ['map', new Map()], ['re', /x/], ['iter', [][Symbol.iterator]()], ['args', args]];
  for (const [name, value] of probes) {
    const v = (value as any).stash;
    if (v !== undefined) seen.push(name + '.stash=' + String(v));
  }
  const planted: Record<string, string> = {};
  for (const [name, proto] of PROTOS) {
    try { proto.stash = args.token; planted[name] = proto.stash === args.token ? 'written' : 'ignored'; } catch (e) { planted[name] = (e as Error).name; }
    // Overriding an existing member (the "override mistake" accessors must not write the prototype).
    try { proto.toString = function () { return args.token; }; } catch (e) {}
  }
  if (String({}) !== '[object Object]') seen.push('Object.prototype.toString replaced');
  return { token: args.token, seen, planted };
};`;

it('a property planted on a built-in prototype by one call is not inherited by the next', async () => {
  await createOk(server, 'proto_stash', TOOL);
  const calls = await expectNoCarryOver(server, 'proto_stash');
  // Not even the planting call could write them: the prototypes are frozen.
  expect(Object.values(calls[0]!.result['planted'] as Record<string, string>).every((v) => v !== 'written')).toBe(true);
  await expectContained(server, { tool: 'proto_stash' });
});
