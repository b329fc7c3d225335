/*
 * The argument conversions of the Web APIs (Web IDL), written once. A BufferSource is read
 * through the engine's own getters, never through the object's properties, which a tool can
 * fake: `{ byteLength: 1e9 }` is not a buffer, and a view's length is what the engine says.
 */
const { apply } = Reflect;
const { getOwnPropertyDescriptor, getPrototypeOf } = Object;
const StringCtor = String;
const TypeErrorCtor = TypeError;
const Uint8ArrayCtor = Uint8Array;
const toWellFormed = (String.prototype as unknown as { toWellFormed: (this: string) => string }).toWellFormed;

function getterOf(proto: object, key: PropertyKey): (this: unknown) => unknown {
  // Only ever called through Reflect.apply.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const get = getOwnPropertyDescriptor(proto, key)?.get;
  if (get === undefined) throw new TypeErrorCtor(`Chameleon prelude: no getter for ${StringCtor(key)}`);
  return get;
}

const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayTag = getterOf(TypedArrayPrototype, Symbol.toStringTag);
const typedArrayBuffer = getterOf(TypedArrayPrototype, 'buffer');
const typedArrayOffset = getterOf(TypedArrayPrototype, 'byteOffset');
const typedArrayLength = getterOf(TypedArrayPrototype, 'byteLength');
const dataViewBuffer = getterOf(DataView.prototype, 'buffer');
const dataViewOffset = getterOf(DataView.prototype, 'byteOffset');
const dataViewLength = getterOf(DataView.prototype, 'byteLength');
const arrayBufferLength = getterOf(ArrayBuffer.prototype, 'byteLength');

/** The name of a typed array's class ('Uint8Array', ...), or undefined for anything else. Never throws. */
export function typedArrayName(value: unknown): string | undefined {
  return apply(typedArrayTag, value, []) as string | undefined;
}

const typedArrayElements = getterOf(TypedArrayPrototype, 'length');

/** What a typed array or DataView is a view of, read from the engine's slots. */
export interface ViewParts {
  buffer: ArrayBuffer;
  byteOffset: number;
  /** Elements of a typed array, bytes of a DataView. */
  length: number;
}

/** The parts of a typed array (see typedArrayName first). */
export function typedArrayParts(value: object): ViewParts {
  return { buffer: apply(typedArrayBuffer, value, []) as ArrayBuffer, byteOffset: apply(typedArrayOffset, value, []) as number, length: apply(typedArrayElements, value, []) as number };
}

/** The parts of a DataView, or null when `value` is not one. */
export function dataViewParts(value: object): ViewParts | null {
  if (!isDataView(value)) return null;
  return { buffer: apply(dataViewBuffer, value, []) as ArrayBuffer, byteOffset: apply(dataViewOffset, value, []) as number, length: apply(dataViewLength, value, []) as number };
}

function isDataView(value: unknown): boolean {
  try {
    apply(dataViewLength, value, []);
    return true;
  } catch {
    return false;
  }
}

export function isArrayBuffer(value: unknown): value is ArrayBuffer {
  try {
    apply(arrayBufferLength, value, []);
    return true;
  } catch {
    return false;
  }
}

/**
 * A Uint8Array over the very bytes of a BufferSource (an ArrayBuffer, a typed array or a
 * DataView), or null when `value` is none of them. Writes through it reach the original.
 */
export function bytesView(value: unknown): Uint8Array | null {
  if (value === null || typeof value !== 'object') return null;
  if (typedArrayName(value) !== undefined) {
    return new Uint8ArrayCtor(apply(typedArrayBuffer, value, []) as ArrayBuffer, apply(typedArrayOffset, value, []) as number, apply(typedArrayLength, value, []) as number);
  }
  if (isDataView(value)) {
    return new Uint8ArrayCtor(apply(dataViewBuffer, value, []) as ArrayBuffer, apply(dataViewOffset, value, []) as number, apply(dataViewLength, value, []) as number);
  }
  if (isArrayBuffer(value)) return new Uint8ArrayCtor(value);
  return null;
}

/** A copy of the bytes of a BufferSource; TypeError when `value` is not one. */
export function copyBytes(value: unknown, what: string): Uint8Array {
  const view = bytesView(value);
  if (view === null) throw new TypeErrorCtor(`${what} must be an ArrayBuffer, a typed array or a DataView`);
  return view.slice();
}

/** Web IDL DOMString: ToString, which refuses a Symbol. */
export function toDOMString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'symbol') throw new TypeErrorCtor('Cannot convert a Symbol value to a string');
  return StringCtor(value);
}

/** Web IDL USVString: a DOMString whose lone surrogates become U+FFFD. */
export function toUSVString(value: unknown): string {
  return apply(toWellFormed, toDOMString(value), []);
}

/** Web IDL ByteString: a DOMString of code units 0-255 only. */
export function toByteString(value: unknown, what: string): string {
  const text = toDOMString(value);
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) throw new TypeErrorCtor(`${what} has a character that is not a byte (code ${text.charCodeAt(i)} at index ${i})`);
  }
  return text;
}

/** A dictionary argument: undefined and null are an empty one, anything else must be an object. */
export function dictionary(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' && typeof value !== 'function') throw new TypeErrorCtor(`${what} must be an object`);
  return value as Record<string, unknown>;
}

/** The Symbol.toStringTag of a Web IDL interface: `Object.prototype.toString.call(x)` says `[object URL]`. */
export function defineTag(ctor: { prototype: unknown }, name: string): void {
  Object.defineProperty(ctor.prototype, Symbol.toStringTag, { value: name, writable: false, enumerable: false, configurable: true });
}
