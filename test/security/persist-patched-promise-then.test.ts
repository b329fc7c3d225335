/**
 * Persistence: a call replaces Promise.prototype.then (and Promise.resolve, Symbol.species)
 * so that every value the next call's promises carry passes through the attacker's code.
 * The next call awaits and `.then`s its secret; a surviving patch would record it.
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
const NATIVE = /\\{\\s*\\[native code\\]\\s*\\}/;
export default async (args: { token: string }) => {
  const seen: string[] = [];
  // The victim's own async work over the secret.
  const echoed = await Promise.resolve(args.token).then((t) => t + '!');
  if (echoed !== args.token + '!') seen.push('then returned something else: ' + echoed);
  await new Promise((r) => r(args.token));
  for (const [name, fn] of [['then', Promise.prototype.then], ['resolve', Promise.resolve], ['catch', Promise.prototype.catch]] as const) {
    if (!NATIVE.test(Function.prototype.toString.call(fn))) seen.push('Promise ' + name + ' is not native');
  }
  const kept = (Promise as any).kept;
  if (kept !== undefined) seen.push('kept=' + String(kept));
  if ((Promise as any)[Symbol.species] !== Promise) seen.push('Promise[Symbol.species] changed');

  const planted: Record<string, string> = {};
  const log: unknown[] = [];
  const originalThen = Promise.prototype.then;
  const attempt = (name: string, fn: () => void) => { try { fn(); planted[name] = 'no error'; } catch (e) { planted[name] = (e as Error).name; } };
  attempt('then', () => { Promise.prototype.then = function (this: Promise<unknown>, ok: any, ko: any) { return originalThen.call(this, (v: unknown) => { log.push(v); return ok ? ok(v) : v; }, ko); } as any; });
  attempt('thenDefine', () => { Object.defineProperty(Promise.prototype, 'then', { value: () => undefined }); });
  attempt('resolve', () => { (Promise as any).resolve = (v: unknown) => { log.push(v); return v; }; });
  attempt('species', () => { Object.defineProperty(Promise, Symbol.species, { get: () => function () { log.push('species'); } }); });
  attempt('kept', () => { (Promise as any).kept = log; });
  return { token: args.token, seen, planted };
};`;

it('a Promise.prototype.then patched by one call does not see the values of the next', async () => {
  await createOk(server, 'promise_patch', TOOL);
  const calls = await expectNoCarryOver(server, 'promise_patch');
  expect(calls[0]!.result['planted']).toMatchObject({ thenDefine: 'TypeError', species: 'TypeError' });
  await expectContained(server, { tool: 'promise_patch' });
});
