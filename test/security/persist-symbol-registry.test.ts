/**
 * Persistence: the global symbol registry (Symbol.for) belongs to the isolate, not to a call:
 * `Symbol.for(k)` returns the same symbol in every call. A call registers symbols derived from
 * its secret and tries to hang the secret on a shared object under a registered key; the next
 * call fetches the same keys with Symbol.for and looks everywhere it could have been hung.
 * The registry itself can only be queried by key (no listing), so it holds no readable data.
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
export default (args: { token: string }) => {
  const seen: string[] = [];
  const key = Symbol.for('chameleon.stash');
  const holders: Array<[string, any]> = [['Object.prototype', Object.prototype], ['Symbol', Symbol], ['Symbol.prototype', Symbol.prototype], ['globalThis', globalThis], ['Function.prototype', Function.prototype]];
  for (const [name, holder] of holders) {
    const v = holder[key];
    if (v !== undefined) seen.push(name + '[Symbol.for(stash)]=' + String(v));
    const syms = Object.getOwnPropertySymbols(holder).filter((s) => Symbol.keyFor(s) !== undefined);
    if (syms.length) seen.push(name + ' has registered-symbol keys: ' + syms.map(String).join(','));
  }
  // A registered symbol is a primitive: nothing can be stored on it.
  const boxed: any = Symbol.for('chameleon.box');
  if (boxed.kept !== undefined) seen.push('symbol carried ' + String(boxed.kept));

  const planted: Record<string, string> = {};
  const attempt = (name: string, fn: () => void) => { try { fn(); planted[name] = 'no error'; } catch (e) { planted[name] = (e as Error).name; } };
  attempt('registerSecret', () => { Symbol.for('chameleon.secret:' + args.token); });
  for (const [name, holder] of holders) attempt(name, () => { Object.defineProperty(holder, key, { value: args.token }); });
  attempt('box', () => { boxed.kept = args.token; });
  return { token: args.token, seen, planted };
};`;

it('the symbol registry carries no secret from one call to the next', async () => {
  await createOk(server, 'symbol_registry', TOOL);
  const calls = await expectNoCarryOver(server, 'symbol_registry');
  expect(calls[0]!.result['planted']).toMatchObject({ registerSecret: 'no error', 'Object.prototype': 'TypeError', Symbol: 'TypeError', globalThis: 'TypeError' });
  await expectContained(server, { tool: 'symbol_registry' });
});
