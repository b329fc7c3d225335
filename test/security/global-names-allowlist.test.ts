/**
 * Attack: list everything on the global object — own names, symbols, non-enumerable ones,
 * whatever is on the global's prototype chain — looking for anything the host put there: an
 * isolated-vm Reference, ExternalCopy or Callback, `ivm`, a Node global, the canary. The list
 * must be exactly the ES built-ins of the realm plus the prelude's console and its two entry
 * points, and each of those must be what it claims to be.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult, EXPECTED_GLOBALS } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => {
  const protoChain: string[] = [];
  for (let o = Object.getPrototypeOf(globalThis); o; o = Object.getPrototypeOf(o)) {
    // V8 puts one object between the global and Object.prototype: {constructor: Object}.
    const plain = Object.getOwnPropertyNames(o).join(',') === 'constructor' && o.constructor === Object && Object.isFrozen(o);
    protoChain.push(o === Object.prototype ? 'Object.prototype' : plain ? '{constructor: Object}' : 'OTHER:' + Object.getOwnPropertyNames(o).join(','));
  }
  const d = (n: string) => Object.getOwnPropertyDescriptor(globalThis, n)!;
  return {
    names: Object.getOwnPropertyNames(globalThis).sort(),
    symbols: Object.getOwnPropertySymbols(globalThis).map(String),
    protoChain,
    entryPoints: ['console', '__chameleon_bind', '__chameleon_console'].map((n) => [n, typeof d(n).value, d(n).writable, d(n).configurable, Object.isFrozen(d(n).value)]),
    consoleKeys: Object.keys(console).sort(),
    // The prelude's functions are JavaScript of the isolate; a host callback would print as native code.
    native: [console.log, (globalThis as any).__chameleon_bind, (globalThis as any).__chameleon_console].map((f) => /\\[native code\\]/.test(Function.prototype.toString.call(f))),
  };
};
`;

it('the global object holds exactly the ES built-ins, console and the prelude entry points', async () => {
  const report = await attackResult<Record<string, unknown>>(server, 'global_names', code);
  expect(report.names).toEqual(EXPECTED_GLOBALS);
  expect(report.symbols).toEqual([]);
  expect(report.protoChain).toEqual(['{constructor: Object}', 'Object.prototype']);
  expect(report.entryPoints).toEqual([
    ['console', 'object', false, false, true],
    ['__chameleon_bind', 'function', false, false, true],
    ['__chameleon_console', 'function', false, false, true],
  ]);
  expect(report.consoleKeys).toEqual(['debug', 'error', 'info', 'log', 'trace', 'warn']);
  expect(report.native).toEqual([false, false, false]);
  await expectContained(server, { tool: 'global_names' });
});
