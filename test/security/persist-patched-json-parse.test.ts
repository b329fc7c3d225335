/**
 * Persistence: a call replaces JSON.parse (and JSON.stringify) with a wrapper that records
 * every input. The next call parses its secret (a JSON document passed as an argument); a
 * surviving wrapper would have it. Reflect.set, defineProperty and plain assignment are tried.
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
export default (args: { token: string }) => {
  const seen: string[] = [];
  // The victim's own work: parse a document that holds the secret.
  const parsed = JSON.parse('{"token":' + JSON.stringify(args.token) + '}');
  if (parsed.token !== args.token) seen.push('JSON.parse returned something else');
  const logged = (JSON as any).inputs;
  if (logged !== undefined) seen.push('JSON.inputs=' + String(logged));
  if (!NATIVE.test(Function.prototype.toString.call(JSON.parse))) seen.push('JSON.parse is not native');
  if (!NATIVE.test(Function.prototype.toString.call(JSON.stringify))) seen.push('JSON.stringify is not native');

  const planted: Record<string, string> = {};
  const inputs: string[] = [];
  const original = JSON.parse;
  const wrapper = function (text: string, reviver?: any) { inputs.push(text); return original(text, reviver); };
  const attempt = (name: string, fn: () => unknown) => { try { const r = fn(); planted[name] = r === false ? 'refused' : JSON.parse === wrapper ? 'replaced' : 'ignored'; } catch (e) { planted[name] = (e as Error).name; } };
  attempt('assign', () => { (JSON as any).parse = wrapper; });
  attempt('Reflect.set', () => Reflect.set(JSON, 'parse', wrapper));
  attempt('defineProperty', () => Object.defineProperty(JSON, 'parse', { value: wrapper }));
  attempt('inputs', () => { (JSON as any).inputs = inputs; });
  attempt('stringify', () => { (JSON as any).stringify = () => args.token; });
  return { token: args.token, seen, planted };
};`;

it('a JSON.parse patched by one call does not see the documents of the next', async () => {
  await createOk(server, 'json_patch', TOOL);
  const calls = await expectNoCarryOver(server, 'json_patch');
  // Tool code is strict: assignments to the frozen JSON throw rather than being ignored.
  expect(calls[0]!.result['planted']).toMatchObject({ assign: 'TypeError', 'Reflect.set': 'refused', defineProperty: 'TypeError', stringify: 'TypeError' });
  await expectContained(server, { tool: 'json_patch' });
});
