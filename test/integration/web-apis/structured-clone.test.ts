/**
 * structuredClone in a tool behaves as Node's: what is copied (Map, Set, Date, RegExp, buffers
 * and views, errors, wrappers, sparse arrays), what is shared stays shared (cycles, one buffer
 * under two views), and what is refused is refused with a DataCloneError (functions, symbols,
 * promises, weak collections, generators).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../../helpers/engine.js';
import { createParity } from '../../helpers/web-parity.js';

let engine: TestEngine;
let parity: ReturnType<typeof createParity>;
beforeAll(async () => {
  engine = await startEngine();
  parity = createParity(engine.app.forPersona('web'));
});
afterAll(() => engine.close());

/** Describes a value as JSON: its tag, prototype, own keys, and the parts that matter per kind. */
const DESCRIBE = `
const describe = (v, depth = 0) => {
  if (typeof v === 'bigint') return { bigint: String(v) };
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
  if (v === undefined) return 'undefined';
  if (v === null || typeof v !== 'object' || depth > 3) return v;
  const out = { tag: Object.prototype.toString.call(v), proto: Object.getPrototypeOf(v)?.constructor?.name ?? null, keys: Reflect.ownKeys(v).map(String).filter((k) => k !== 'stack') };
  if (v instanceof Map) out.entries = [...v].map(([k, x]) => [describe(k, depth + 1), describe(x, depth + 1)]);
  else if (v instanceof Set) out.members = [...v].map((x) => describe(x, depth + 1));
  else if (v instanceof Date) out.time = String(v.getTime());
  else if (v instanceof RegExp) out.regexp = [v.source, v.flags, v.lastIndex];
  else if (v instanceof Error) out.error = [v.name, v.message, describe(v.cause, depth + 1), typeof v.stack];
  else if (ArrayBuffer.isView(v)) out.view = [v.byteOffset, v.byteLength, bytesOf(v)];
  else if (v instanceof ArrayBuffer) out.bytes = bytesOf(v);
  else out.props = Object.keys(v).map((k) => [k, describe(v[k], depth + 1)]);
  if (typeof v.valueOf === 'function' && (v instanceof Number || v instanceof String || v instanceof Boolean || (typeof BigInt === 'function' && v instanceof BigInt))) out.value = describe(v.valueOf());
  return out;
};`;

describe('structuredClone', () => {
  it('copies every kind of value as Node does', async () => {
    const body = `${DESCRIBE}
      class Custom { constructor() { this.x = 1; } get hidden() { return 2; } }
      const shared = new ArrayBuffer(8);
      new Uint8Array(shared).set([1, 2, 3, 4, 5, 6, 7, 8]);
      const sparse = [1, , 3]; sparse.extra = 'e';
      const regexp = /a+b/dgimsuy; regexp.lastIndex = 3;
      const errWithCause = new Error('outer', { cause: new RangeError('inner') });
      const renamed = new Error('r'); renamed.name = 'TypeError';
      const custom = new (class E extends Error {})('m'); custom.name = 'Custom';
      const values = [
        1, -0, NaN, 'text', true, null, undefined, 10n,
        new Map([[{ k: 1 }, new Set([1, 'a'])], ['s', new Date(5)]]), new Set([new Date(NaN), [1]]),
        new Date(1700000000000), regexp, shared, new Uint16Array(shared, 2, 2), new DataView(shared, 1, 3), new Float64Array([1.5, -0]),
        new BigInt64Array([-1n]), errWithCause, renamed, custom, new TypeError('t'), new AggregateError([1], 'agg'),
        sparse, Object.assign(Object.create(null), { a: 1 }), new Custom(), { [Symbol('s')]: 1, visible: 2 },
        Object.defineProperty({}, 'hidden', { value: 1, enumerable: false }), { get computed() { return 'got'; } },
        Object(1), Object('str'), Object(false), Object(2n), JSON.parse('{"__proto__": {"polluted": 1}}'),
      ];
      return values.map((v) => describe(structuredClone(v)));`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('keeps cycles and shared references, and views of one buffer share one copy', async () => {
    const body = `
      const a = { name: 'a' }; a.self = a;
      const arr = [a, a]; a.list = arr;
      const m = new Map(); m.set(m, m); m.set('a', a);
      const buf = new ArrayBuffer(4);
      const views = { x: new Uint8Array(buf), y: new Uint8Array(buf, 2) };
      const c = structuredClone({ a, arr, m, views });
      c.views.x[2] = 9;
      return {
        selfCycle: c.a.self === c.a, sameInArray: c.arr[0] === c.arr[1] && c.arr[0] === c.a, listBack: c.a.list === c.arr,
        mapCycle: c.m.get(c.m) === c.m, mapShared: c.m.get('a') === c.a, notSame: c.a !== a,
        viewsShare: c.views.y[0] === 9 && c.views.x.buffer === c.views.y.buffer, originalUntouched: new Uint8Array(buf)[2] === 0,
      };`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
    expect(Object.values(realm as Record<string, boolean>).every(Boolean)).toBe(true);
  });

  it('refuses functions, symbols, promises, weak collections, iterators and generators with a DataCloneError', async () => {
    const body = `
      const refused = [() => 1, { f() {} }, Symbol('x'), Object(Symbol('y')), Promise.resolve(1), new WeakMap(), new WeakSet(),
        (function* () {})(), new Map().entries(), [1][Symbol.iterator](), new Intl.NumberFormat(), [function named() {}]];
      return {
        refused: refused.map((v) => { try { structuredClone(v); return 'cloned'; } catch (e) { return [e.name, e instanceof DOMException, e.code]; } }),
        getterThrows: attempt(() => structuredClone({ get a() { throw new RangeError('boom'); } })),
        noArgument: attempt(() => structuredClone()),
        emptyTransfer: attempt(() => structuredClone(1, { transfer: [] })),
        badOptions: attempt(() => structuredClone(1, 5)),
      };`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('refuses a transfer list (no ArrayBuffer can be detached in a tool); Node transfers it', async () => {
    const realm = await parity.inRealm(`const b = new ArrayBuffer(4); return [attempt(() => structuredClone(b, { transfer: [b] })), b.byteLength];`);
    expect(realm).toEqual([{ threw: 'DataCloneError' }, 4]);
  });
});
