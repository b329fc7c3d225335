/*
 * URLSearchParams (WHATWG URL standard): the application/x-www-form-urlencoded parser and
 * serializer over UTF-8, and the list API. A URL's searchParams is one of these linked to its
 * URL (url.ts): a change to either is seen by the other.
 */
import { utf8DecodeKeepBOM, utf8Encode } from './text.js';
import { defineTag, toUSVString } from './webidl.js';

const TypeErrorCtor = TypeError;
const fromCharCode = String.fromCharCode;
const HEX = '0123456789ABCDEF';

type Pair = [string, string];

/** Bytes that form-urlencoding leaves as they are: *-._ and ASCII letters and digits. */
const FORM_SAFE = /^[*\-._0-9A-Za-z]*$/;

function percentDecode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  if (!spaced.includes('%')) return spaced;
  const bytes = utf8Encode(spaced);
  const out = new Uint8Array(bytes.length);
  let n = 0;
  const hexValue = (byte: number | undefined): number => {
    if (byte === undefined) return -1;
    if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
    if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
    if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
    return -1;
  };
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const high = byte === 0x25 ? hexValue(bytes[i + 1]) : -1;
    const low = high >= 0 ? hexValue(bytes[i + 2]) : -1;
    if (low >= 0) {
      out[n++] = high * 16 + low;
      i += 2;
    } else out[n++] = byte;
  }
  return utf8DecodeKeepBOM(out.subarray(0, n));
}

export function parseForm(input: string): Pair[] {
  const list: Pair[] = [];
  for (const sequence of input.split('&')) {
    if (sequence === '') continue;
    const eq = sequence.indexOf('=');
    const name = eq < 0 ? sequence : sequence.slice(0, eq);
    const value = eq < 0 ? '' : sequence.slice(eq + 1);
    list.push([percentDecode(name), percentDecode(value)]);
  }
  return list;
}

function formEncode(text: string): string {
  if (FORM_SAFE.test(text)) return text;
  let out = '';
  for (const byte of utf8Encode(text)) {
    if (byte === 0x20) out += '+';
    else if (FORM_SAFE.test(fromCharCode(byte)) && byte < 0x80) out += fromCharCode(byte);
    else out += `%${HEX[byte >> 4]!}${HEX[byte & 15]!}`;
  }
  return out;
}

export function serializeForm(list: readonly Pair[]): string {
  let out = '';
  for (let i = 0; i < list.length; i++) out += `${i === 0 ? '' : '&'}${formEncode(list[i]![0])}=${formEncode(list[i]![1])}`;
  return out;
}

/** Web IDL conversion of the constructor's argument to a list of pairs. */
function pairsOf(init: unknown): Pair[] {
  if (init === undefined) return [];
  if (init !== null && (typeof init === 'object' || typeof init === 'function')) {
    const iterator: unknown = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (iterator !== undefined && iterator !== null) {
      if (typeof iterator !== 'function') throw new TypeErrorCtor('URLSearchParams: the init object is not iterable');
      const list: Pair[] = [];
      for (const pair of init as Iterable<unknown>) {
        if (pair === null || typeof pair !== 'object' || !(Symbol.iterator in pair)) throw new TypeErrorCtor('URLSearchParams: each pair must be an iterable of a name and a value');
        const items = [...(pair as Iterable<unknown>)];
        if (items.length !== 2) throw new TypeErrorCtor(`URLSearchParams: each pair must have exactly 2 items, not ${items.length}`);
        list.push([toUSVString(items[0]), toUSVString(items[1])]);
      }
      return list;
    }
    const list: Pair[] = [];
    for (const key of Reflect.ownKeys(init)) {
      const desc = Reflect.getOwnPropertyDescriptor(init, key);
      if (desc === undefined || !desc.enumerable) continue;
      list.push([toUSVString(key), toUSVString((init as Record<PropertyKey, unknown>)[key])]);
    }
    return list;
  }
  const text = toUSVString(init);
  return parseForm(text.startsWith('?') ? text.slice(1) : text);
}

/** The realm's own access to a URLSearchParams (set in its static block). */
export let linkedParams: (query: string, onChange: (serialized: string) => void) => URLSearchParams;
export let resetParams: (params: URLSearchParams, query: string) => void;

export class URLSearchParams {
  #list: Pair[];
  /** Set when the params belong to a URL: tells it the new query. */
  #onChange: ((serialized: string) => void) | null = null;

  constructor(init: unknown = undefined) {
    this.#list = pairsOf(init);
  }

  #update(): void {
    this.#onChange?.(serializeForm(this.#list));
  }

  get size(): number {
    return this.#list.length;
  }

  append(name: unknown, value: unknown): void {
    this.#list.push([toUSVString(name), toUSVString(value)]);
    this.#update();
  }

  delete(name: unknown, value: unknown = undefined): void {
    const key = toUSVString(name);
    const only = value === undefined ? undefined : toUSVString(value);
    this.#list = this.#list.filter(([n, v]) => n !== key || (only !== undefined && v !== only));
    this.#update();
  }

  get(name: unknown): string | null {
    const key = toUSVString(name);
    return this.#list.find(([n]) => n === key)?.[1] ?? null;
  }

  getAll(name: unknown): string[] {
    const key = toUSVString(name);
    return this.#list.filter(([n]) => n === key).map(([, v]) => v);
  }

  has(name: unknown, value: unknown = undefined): boolean {
    const key = toUSVString(name);
    const only = value === undefined ? undefined : toUSVString(value);
    return this.#list.some(([n, v]) => n === key && (only === undefined || v === only));
  }

  set(name: unknown, value: unknown): void {
    const key = toUSVString(name);
    const text = toUSVString(value);
    const first = this.#list.findIndex(([n]) => n === key);
    if (first < 0) this.#list.push([key, text]);
    else this.#list = this.#list.filter(([n], i) => i <= first || n !== key).map((pair, i) => (i === first ? [key, text] : pair));
    this.#update();
  }

  /** Stable, by the names' UTF-16 code units. */
  sort(): void {
    this.#list = this.#list.map((pair, i) => [pair, i] as const).sort(([a, i], [b, j]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : i - j)).map(([pair]) => pair);
    this.#update();
  }

  forEach(callback: unknown, thisArg: unknown = undefined): void {
    if (typeof callback !== 'function') throw new TypeErrorCtor('URLSearchParams.forEach: the callback must be a function');
    for (let i = 0; i < this.#list.length; i++) {
      const [name, value] = this.#list[i]!;
      (callback as (v: string, n: string, p: URLSearchParams) => unknown).call(thisArg, value, name, this);
    }
  }

  *entries(): IterableIterator<Pair> {
    for (let i = 0; i < this.#list.length; i++) yield [this.#list[i]![0], this.#list[i]![1]];
  }

  *keys(): IterableIterator<string> {
    for (let i = 0; i < this.#list.length; i++) yield this.#list[i]![0];
  }

  *values(): IterableIterator<string> {
    for (let i = 0; i < this.#list.length; i++) yield this.#list[i]![1];
  }

  toString(): string {
    return serializeForm(this.#list);
  }

  static {
    linkedParams = (query, onChange) => {
      const params = new URLSearchParams(query);
      params.#onChange = onChange;
      return params;
    };
    resetParams = (params, query) => {
      params.#list = parseForm(query.startsWith('?') ? query.slice(1) : query);
    };
  }
}
// The same function as entries, as Web IDL's iterable declarations make it.
// eslint-disable-next-line @typescript-eslint/unbound-method
Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, { value: URLSearchParams.prototype.entries, writable: true, enumerable: false, configurable: true });
defineTag(URLSearchParams, 'URLSearchParams');
