/**
 * Attack: walk every object reachable from the global object (own properties, symbols,
 * accessor functions, prototypes) and, from every function found, climb `.constructor` to a
 * Function constructor. A single host function among them (an isolated-vm Callback, a Node
 * builtin) would have the host's Function as its constructor and the host's global behind it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => {
  const AsyncFunction = (async () => {}).constructor;
  const GeneratorFunction = (function* () {}).constructor;
  const AsyncGeneratorFunction = (async function* () {}).constructor;
  const ownCtors = [Function, AsyncFunction, GeneratorFunction, AsyncGeneratorFunction];
  const seen = new Set<any>();
  const queue: any[] = [globalThis];
  let objects = 0, functions = 0;
  const foreign: string[] = [];
  while (queue.length) {
    const v = queue.pop();
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) continue;
    seen.add(v);
    objects++;
    // Function.prototype itself is a function whose prototype is Object.prototype.
    if (typeof v === 'function' && v !== Function.prototype) {
      functions++;
      // Every function inherits from the isolate's Function.prototype (directly, or through
      // %TypedArray%, Error, a class...), and its constructor is one of the isolate's four.
      if (!Object.prototype.isPrototypeOf.call(Function.prototype, v)) foreign.push('proto chain of ' + String(v.name));
      if (!ownCtors.includes(v.constructor)) foreign.push('constructor of ' + String(v.name));
    }
    queue.push(Object.getPrototypeOf(v));
    for (const k of Reflect.ownKeys(v)) {
      const d: any = Object.getOwnPropertyDescriptor(v, k);
      if ('value' in d) queue.push(d.value); else queue.push(d.get, d.set);
    }
  }
  const globals = ownCtors.map((C: any) => {
    const g = C === Function ? C('return this')() : null;
    return C.constructor === Function && (g === null || (g === globalThis && typeof g.process === 'undefined'));
  });
  return { objects, functions, foreign, globals, allFrozen: [...seen].every((o) => Object.isFrozen(o)) };
};
`;

it('every function reachable from the global object belongs to the isolate', async () => {
  const report = await attackResult<{ objects: number; functions: number; foreign: string[]; globals: boolean[]; allFrozen: boolean }>(server, 'ctor_chain_globals', code);
  // The walk really covered the realm (about 750 objects, most of them functions, since
  // lockdown works from an allow-list and non-standard intrinsics are gone).
  expect(report.objects).toBeGreaterThan(700);
  expect(report.functions).toBeGreaterThan(report.objects / 2);
  expect(report.foreign).toEqual([]);
  expect(report.globals).toEqual([true, true, true, true]);
  // And all of it is frozen: nothing reachable can be swapped for a trap.
  expect(report.allFrozen).toBe(true);
  await expectContained(server, { tool: 'ctor_chain_globals' });
});
