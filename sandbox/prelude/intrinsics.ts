/*
 * The built-ins the prelude works with, taken when the prelude script runs: before lockdown
 * and before any tool code. A tool could otherwise patch what it can reach before lockdown
 * freezes it; taking them here keeps the prelude's view of them its own.
 */
export const stringify = JSON.stringify;
export const parse = JSON.parse;
export const defineProperty = Object.defineProperty;
export const freeze = Object.freeze;
export const ownKeys = Object.keys;
export const getPrototypeOf = Object.getPrototypeOf;
export const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
export const isArray = Array.isArray;
export const isFinite = Number.isFinite;
export const is = Object.is;
export const ObjectPrototype = Object.prototype;
// Only ever used as fnToString.call(fn), objectToString.call(value).
// eslint-disable-next-line @typescript-eslint/unbound-method
export const fnToString = Function.prototype.toString;
// eslint-disable-next-line @typescript-eslint/unbound-method
export const objectToString = Object.prototype.toString;
// eslint-disable-next-line @typescript-eslint/unbound-method
export const dateToISOString = Date.prototype.toISOString;
// eslint-disable-next-line @typescript-eslint/unbound-method
export const dateGetTime = Date.prototype.getTime;
export const ErrorCtor = Error;
export const AggregateErrorCtor = AggregateError;
export const StringCtor = String;
export const SetCtor = Set;
export const MapCtor = Map;
export const WeakMapCtor = WeakMap;
export const WeakSetCtor = WeakSet;
export const PromiseCtor = Promise;
export const RegExpCtor = RegExp;
export const DateCtor = Date;
export const ArrayBufferCtor = ArrayBuffer;
export const DataViewCtor = DataView;
/** %TypedArray%, the constructor every Uint8Array, Float64Array, ... inherits from. */
export const TypedArrayCtor = getPrototypeOf(Uint8Array) as abstract new () => object;
/** A Map's or Set's contents are read through these, never through methods a subclass may override. */
// eslint-disable-next-line @typescript-eslint/unbound-method
export const mapEntries = Map.prototype.entries;
// eslint-disable-next-line @typescript-eslint/unbound-method
export const setValues = Set.prototype.values;
// eslint-disable-next-line @typescript-eslint/unbound-method
export const mapSize = getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
// eslint-disable-next-line @typescript-eslint/unbound-method
export const setSize = getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;
