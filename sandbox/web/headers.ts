/*
 * Headers (Fetch standard): names are HTTP tokens, compared without case; values are byte
 * strings, trimmed of HTTP whitespace, and may never hold NUL, CR or LF, so no header a tool
 * builds can smuggle another line into a request. Iteration is sorted by name, with the values
 * of one name joined by ", " (except set-cookie, listed one by one).
 *
 * Not enforced: the browser's "forbidden" request headers (Host, Cookie, ...), as in Node and
 * other server runtimes; fetch applies the host's own policy to what it sends.
 */
import { defineTag, toByteString } from './webidl.js';

const TypeErrorCtor = TypeError;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

type Entry = [name: string, value: string];

export function validName(name: unknown): string {
  const text = toByteString(name, 'A header name');
  if (!TOKEN.test(text)) throw new TypeErrorCtor(`Invalid header name: ${JSON.stringify(text.slice(0, 100))}`);
  return text.toLowerCase();
}

export function validValue(value: unknown): string {
  const text = toByteString(value, 'A header value').replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  if (/[\0\r\n]/.test(text)) throw new TypeErrorCtor(`Invalid header value: ${JSON.stringify(text.slice(0, 100))} (it holds NUL, CR or LF)`);
  return text;
}

/** The realm's own access to a Headers object (set in its static block). */
export let headersEntries: (headers: Headers) => readonly Entry[];
export let freezeHeaders: (headers: Headers) => Headers;

export class Headers {
  #list: Entry[] = [];
  #immutable = false;

  constructor(init: unknown = undefined) {
    if (init === undefined || init === null) {
      if (init === null) throw new TypeErrorCtor('Headers: the init must be an object, an iterable of pairs or a Headers');
      return;
    }
    if (typeof init !== 'object' && typeof init !== 'function') throw new TypeErrorCtor('Headers: the init must be an object, an iterable of pairs or a Headers');
    const iterator: unknown = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (iterator !== undefined && iterator !== null) {
      if (typeof iterator !== 'function') throw new TypeErrorCtor('Headers: the init object is not iterable');
      for (const pair of init as Iterable<unknown>) {
        if (pair === null || typeof pair !== 'object' || !(Symbol.iterator in pair)) throw new TypeErrorCtor('Headers: each header must be an iterable of a name and a value');
        const items = [...(pair as Iterable<unknown>)];
        if (items.length !== 2) throw new TypeErrorCtor(`Headers: each header must have exactly 2 items, not ${items.length}`);
        this.append(items[0], items[1]);
      }
      return;
    }
    for (const key of Reflect.ownKeys(init)) {
      const desc = Reflect.getOwnPropertyDescriptor(init, key);
      if (desc === undefined || !desc.enumerable) continue;
      this.append(key, (init as Record<PropertyKey, unknown>)[key]);
    }
  }

  #writable(): void {
    if (this.#immutable) throw new TypeErrorCtor('These headers are immutable');
  }

  append(name: unknown, value: unknown): void {
    const entry: Entry = [validName(name), validValue(value)];
    this.#writable();
    this.#list.push(entry);
  }

  delete(name: unknown): void {
    const key = validName(name);
    this.#writable();
    this.#list = this.#list.filter(([n]) => n !== key);
  }

  get(name: unknown): string | null {
    const key = validName(name);
    const values = this.#list.filter(([n]) => n === key).map(([, v]) => v);
    return values.length === 0 ? null : values.join(', ');
  }

  getSetCookie(): string[] {
    return this.#list.filter(([n]) => n === 'set-cookie').map(([, v]) => v);
  }

  has(name: unknown): boolean {
    const key = validName(name);
    return this.#list.some(([n]) => n === key);
  }

  set(name: unknown, value: unknown): void {
    const key = validName(name);
    const text = validValue(value);
    this.#writable();
    const first = this.#list.findIndex(([n]) => n === key);
    if (first < 0) this.#list.push([key, text]);
    else this.#list = this.#list.filter(([n], i) => i <= first || n !== key).map((entry, i) => (i === first ? [key, text] : entry));
  }

  /** The sorted and combined list: what iteration walks (a snapshot, taken when it starts). */
  #sorted(): Entry[] {
    const names = [...new Set(this.#list.map(([n]) => n))].sort();
    const out: Entry[] = [];
    for (const name of names) {
      if (name === 'set-cookie') for (const value of this.getSetCookie()) out.push([name, value]);
      else out.push([name, this.get(name)!]);
    }
    return out;
  }

  forEach(callback: unknown, thisArg: unknown = undefined): void {
    if (typeof callback !== 'function') throw new TypeErrorCtor('Headers.forEach: the callback must be a function');
    for (const [name, value] of this.#sorted()) (callback as (v: string, n: string, h: Headers) => unknown).call(thisArg, value, name, this);
  }

  *entries(): IterableIterator<Entry> {
    yield* this.#sorted();
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  static {
    headersEntries = (headers) => headers.#list.map(([n, v]): Entry => [n, v]);
    freezeHeaders = (headers) => {
      headers.#immutable = true;
      return headers;
    };
  }
}
// The same function as entries, as Web IDL's iterable declarations make it.
// eslint-disable-next-line @typescript-eslint/unbound-method
Object.defineProperty(Headers.prototype, Symbol.iterator, { value: Headers.prototype.entries, writable: true, enumerable: false, configurable: true });
defineTag(Headers, 'Headers');
