/**
 * Attack: return an Array subclass whose Symbol.species, constructor, toJSON, length and
 * iterator are hostile, so that any map/slice/copy of the result made outside the isolate
 * would construct guest objects or run guest code. The result leaves as JSON text made inside
 * the isolate: the host sees a plain array of the elements and nothing else.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attack } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default (_a: unknown, ctx: any) => {
  class Evil extends Array {
    static get [Symbol.species](): any {
      ctx.log('species read, process=' + typeof (globalThis as any).process);
      return function Trap() { throw new Error('species constructor ran'); };
    }
    [Symbol.iterator]() { throw new Error('iterator ran'); }
  }
  const arr = new Evil();
  arr.push(1, 2, 3);
  Object.defineProperty(arr, 'constructor', { get() { ctx.log('constructor read'); return Evil; } });
  // Prelude-side array methods would consult species; JSON does not.
  const mapped = (() => { try { arr.map((x: number) => x); return 'mapped'; } catch (e: any) { return e.message; } })();
  ctx.log('guest map: ' + mapped);
  return { arr, isEvil: arr instanceof Evil };
};
`;

it('an Array subclass with a hostile Symbol.species arrives as a plain array', async () => {
  const out = await attack(server, 'array_species_result', code);
  expect(out.status).toBe('SUCCESS');
  expect(out.result).toEqual({ arr: [1, 2, 3], isEvil: true });
  // The guest's own map() met its species (inside the call); serialising the result did not.
  const lines = out.console.split('\n');
  expect(lines).toContain('guest map: species constructor ran');
  expect(lines.filter((l) => l.startsWith('species read')).every((l) => l === 'species read, process=undefined')).toBe(true);
  const after = lines.slice(lines.indexOf('guest map: species constructor ran') + 1);
  expect(after).toEqual([]);
  await expectContained(server, { tool: 'array_species_result' });
});
