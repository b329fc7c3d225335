/*
 * structuredClone, as V8's serializer (Node's structuredClone) does it for the values a realm
 * without host objects can hold: primitives, their wrapper objects, Date, RegExp, ArrayBuffer
 * and its views (views of one buffer share one cloned buffer), Map, Set, Error (name, message,
 * stack, cause), arrays (holes and extra properties kept) and every other ordinary object (its
 * own enumerable string-keyed properties, read through getters; its prototype is not kept,
 * so a class instance, a URL or a Headers object comes back as a plain object, as in Node).
 * Cycles and shared references are kept. Functions, symbols, promises, weak collections,
 * iterators, generators and Intl objects are refused with a DataCloneError.
 *
 * Differences from Node, each because the realm cannot see what V8 sees: a Proxy is cloned
 * through its traps (V8 refuses it), and `transfer` is refused (no ArrayBuffer can be detached
 * here). The work is done in the tool's realm, so a huge or deep graph meets the call's CPU and
 * memory limits, or V8's stack limit (a RangeError), like any other code.
 */
import { DOMException } from './dom-exception.js';
import { dataViewParts, dictionary, isArrayBuffer, typedArrayName, typedArrayParts } from './webidl.js';

const { apply, getOwnPropertyDescriptor: ownDescriptor } = Reflect;
const { getPrototypeOf, defineProperty, keys: objectKeys } = Object;
const isArray = Array.isArray;
const MapCtor = Map;
const SetCtor = Set;
const ErrorCtor = Error;
const TypeErrorCtor = TypeError;
const Uint8ArrayCtor = Uint8Array;
/* eslint-disable @typescript-eslint/unbound-method -- each is only ever called through Reflect.apply */
const mapHas = Map.prototype.has;
const mapEntries = Map.prototype.entries;
const setHas = Set.prototype.has;
const setValues = Set.prototype.values;
const weakMapHas = WeakMap.prototype.has;
const weakSetHas = WeakSet.prototype.has;
const booleanValueOf = Boolean.prototype.valueOf;
const numberValueOf = Number.prototype.valueOf;
const stringValueOf = String.prototype.valueOf;
const bigintValueOf = BigInt.prototype.valueOf;
const symbolValueOf = Symbol.prototype.valueOf;
const dateGetTime = Date.prototype.getTime;
/* eslint-enable @typescript-eslint/unbound-method */
// Only ever called through Reflect.apply.
// eslint-disable-next-line @typescript-eslint/unbound-method
const regExpGetter = (flag: string) => Object.getOwnPropertyDescriptor(RegExp.prototype, flag)!.get!;
const regExpSource = regExpGetter('source');
/** Flag letters and the getters that read them from the engine's slot, in `flags` order. */
const REGEXP_FLAGS = Object.freeze(
  (
    [
      ['d', 'hasIndices'],
      ['g', 'global'],
      ['i', 'ignoreCase'],
      ['m', 'multiline'],
      ['s', 'dotAll'],
      ['u', 'unicode'],
      ['y', 'sticky'],
    ] as const
  ).map(([letter, name]) => [letter, regExpGetter(name)] as const),
);

const TYPED_ARRAYS: Readonly<Record<string, new (buffer: ArrayBuffer, byteOffset: number, length: number) => object>> = Object.freeze({
  __proto__: null,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as unknown as Record<string, new (buffer: ArrayBuffer, byteOffset: number, length: number) => object>);

const ERROR_TYPES: Readonly<Record<string, ErrorConstructor>> = Object.freeze({
  __proto__: null,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
} as unknown as Record<string, ErrorConstructor>);

/** Prototypes whose objects V8 refuses to serialize although they are objects. */
const REFUSED_PROTOTYPES: readonly unknown[] = (() => {
  const protoOf = (value: unknown): unknown => getPrototypeOf(value);
  const generator = protoOf(protoOf((function* () {})()));
  const asyncGenerator = protoOf(protoOf((async function* () {})()));
  const intl = Intl as unknown as Record<string, { prototype: unknown } | undefined>;
  const services = ['Collator', 'DateTimeFormat', 'DisplayNames', 'ListFormat', 'Locale', 'NumberFormat', 'PluralRules', 'RelativeTimeFormat', 'Segmenter', 'DurationFormat'];
  const intlPrototypes = services.map((name) => intl[name]?.prototype).filter((proto) => proto !== undefined);
  const segments = protoOf(new Intl.Segmenter().segment(''));
  // %IteratorPrototype% covers every built-in iterator (Array, Map, Set, String, RegExp, segments').
  const iterator = protoOf(protoOf([][Symbol.iterator]()));
  return Object.freeze([Promise.prototype, generator, asyncGenerator, iterator, protoOf(asyncGenerator), segments, ...intlPrototypes]);
})();

function succeeds(method: (...args: never[]) => unknown, value: unknown, args: unknown[] = []): boolean {
  try {
    apply(method, value, args);
    return true;
  } catch {
    return false;
  }
}

function refuse(value: unknown): never {
  let shown: string;
  try {
    shown = typeof value === 'function' || typeof value === 'symbol' ? String(value).slice(0, 100) : `#<${(value as { constructor?: { name?: unknown } }).constructor?.name as string}>`;
  } catch {
    shown = 'The value';
  }
  throw new DOMException(`${shown} could not be cloned.`, 'DataCloneError');
}

/**
 * `value instanceof ctor`, confirmed by the engine's own brand check (a prototype alone proves
 * nothing: `Object.create(Map.prototype)` is no Map). instanceof first because it is cheap: a
 * failed brand check throws, and 100,000 plain objects each failing ten of them took seconds.
 * What this misses: a built-in whose prototype the tool changed (V8 would still clone it by its
 * kind; here it is an ordinary object).
 */
function is(value: object, ctor: abstract new (...args: never[]) => unknown, brand: (...args: never[]) => unknown, args: unknown[] = []): boolean {
  return value instanceof ctor && succeeds(brand, value, args);
}

function refusedKind(value: object): boolean {
  if (is(value, WeakMap, weakMapHas, [{}]) || is(value, WeakSet, weakSetHas, [{}]) || is(value, Symbol as unknown as abstract new () => unknown, symbolValueOf)) return true;
  for (let proto: unknown = getPrototypeOf(value); proto !== null; proto = getPrototypeOf(proto)) {
    if (REFUSED_PROTOTYPES.includes(proto)) return true;
  }
  return false;
}

function cloneBuffer(buffer: ArrayBuffer, memory: Map<unknown, unknown>): ArrayBuffer {
  const seen = memory.get(buffer);
  if (seen !== undefined) return seen as ArrayBuffer;
  // Copied through a view of our own: ArrayBuffer.prototype.slice would ask the buffer for its species.
  const copy = new Uint8ArrayCtor(buffer).slice().buffer;
  memory.set(buffer, copy);
  return copy;
}

function cloneError(value: Error, memory: Map<unknown, unknown>): Error {
  const name: unknown = value.name;
  const Type = typeof name === 'string' && ERROR_TYPES[name] !== undefined ? ERROR_TYPES[name] : ErrorCtor;
  const copy = new Type();
  memory.set(value, copy);
  const message = ownDescriptor(value, 'message');
  if (message !== undefined && 'value' in message) defineProperty(copy, 'message', { value: String(message.value), writable: true, configurable: true, enumerable: false });
  const stack: unknown = value.stack;
  if (typeof stack === 'string') defineProperty(copy, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
  else delete copy.stack;
  const cause = ownDescriptor(value, 'cause');
  if (cause !== undefined && 'value' in cause) defineProperty(copy, 'cause', { value: clone(cause.value, memory), writable: true, configurable: true, enumerable: false });
  return copy;
}

/** Own enumerable string-keyed properties, defined (never assigned: a key may be `__proto__`). */
function copyProperties(from: object, to: object, memory: Map<unknown, unknown>): void {
  for (const key of objectKeys(from)) {
    defineProperty(to, key, { value: clone((from as Record<string, unknown>)[key], memory), writable: true, enumerable: true, configurable: true });
  }
}

function clone(value: unknown, memory: Map<unknown, unknown>): unknown {
  if (typeof value === 'symbol' || typeof value === 'function') refuse(value);
  if (value === null || typeof value !== 'object') return value;
  const seen = memory.get(value);
  if (seen !== undefined) return seen;

  if (is(value, Date, dateGetTime)) return remember(value, new Date(apply<Date, [], number>(dateGetTime, value as Date, [])), memory);
  if (is(value, Boolean, booleanValueOf)) return remember(value, Object(apply(booleanValueOf, value, [])), memory);
  if (is(value, Number, numberValueOf)) return remember(value, Object(apply(numberValueOf, value, [])), memory);
  if (is(value, String, stringValueOf)) return remember(value, Object(apply(stringValueOf, value, [])), memory);
  if (is(value, BigInt as unknown as abstract new () => unknown, bigintValueOf)) return remember(value, Object(apply(bigintValueOf, value, [])), memory);
  if (is(value, RegExp, regExpSource)) {
    let flags = '';
    for (const [letter, get] of REGEXP_FLAGS) if (apply(get, value, []) === true) flags += letter;
    return remember(value, new RegExp(apply(regExpSource, value, []) as string, flags), memory);
  }
  if (value instanceof ArrayBuffer && isArrayBuffer(value)) return cloneBuffer(value, memory);
  const typedName = typedArrayName(value);
  if (typedName !== undefined) {
    const { buffer, byteOffset, length } = typedArrayParts(value);
    return remember(value, new TYPED_ARRAYS[typedName]!(cloneBuffer(buffer, memory), byteOffset, length), memory);
  }
  const view = value instanceof DataView ? dataViewParts(value) : null;
  if (view !== null) return remember(value, new DataView(cloneBuffer(view.buffer, memory), view.byteOffset, view.length), memory);
  if (is(value, MapCtor, mapHas)) {
    const copy = new MapCtor();
    memory.set(value, copy);
    // The entries are listed first, then cloned: cloning may run getters that change the map.
    const entries = [...(apply(mapEntries, value, []) as Iterable<[unknown, unknown]>)];
    for (const [k, v] of entries) copy.set(clone(k, memory), clone(v, memory));
    return copy;
  }
  if (is(value, SetCtor, setHas)) {
    const copy = new SetCtor();
    memory.set(value, copy);
    const members = [...(apply(setValues, value, []) as Iterable<unknown>)];
    for (const member of members) copy.add(clone(member, memory));
    return copy;
  }
  if (refusedKind(value)) refuse(value);
  // V8 checks the engine's error brand; the realm can only look at the prototype chain.
  if (value instanceof ErrorCtor) return cloneError(value, memory);
  if (isArray(value)) {
    const copy: unknown[] = new Array<unknown>((value as unknown[]).length);
    memory.set(value, copy);
    copyProperties(value, copy, memory);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  memory.set(value, copy);
  copyProperties(value, copy, memory);
  return copy;
}

function remember<T>(original: unknown, copy: T, memory: Map<unknown, unknown>): T {
  memory.set(original, copy);
  return copy;
}

export function structuredClone(...args: unknown[]): unknown {
  if (args.length === 0) throw new TypeErrorCtor('structuredClone: 1 argument required, but only 0 present.');
  const transfer = dictionary(args[1], 'structuredClone options')['transfer'];
  if (transfer !== undefined) {
    if (transfer === null || typeof transfer !== 'object' || !(Symbol.iterator in transfer)) throw new TypeErrorCtor('structuredClone: options.transfer must be an iterable of objects');
    if ([...(transfer as Iterable<unknown>)].length > 0) {
      throw new DOMException('structuredClone: transfer is not supported in Chameleon tools (an ArrayBuffer cannot be detached here); clone without it.', 'DataCloneError');
    }
  }
  return clone(args[0], new MapCtor());
}
