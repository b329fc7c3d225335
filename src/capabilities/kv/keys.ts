/**
 * What a kv key may be: a string of 1 to 512 UTF-8 bytes, well-formed (no lone surrogate,
 * which SQLite's UTF-8 could not keep), without NUL (which C strings, and so many tools that
 * read the database, cut at). Prefixes follow the same rules but may be empty.
 */
import type { KvOperation } from '../../model.js';
import type { KvRefusal } from './wire.js';

export const MAX_KEY_BYTES = 512;

/** A key quoted for a message: JSON (control characters escaped), cut to stay short. */
export function keyLabel(key: string): string {
  const json = JSON.stringify(key);
  return json.length <= 60 ? json : `${json.slice(0, 56)}…"`;
}

export function checkKey(op: KvOperation, key: unknown): string | KvRefusal {
  if (typeof key !== 'string') {
    return { name: 'TypeError', reason: 'invalid key', message: `${op}(): the key must be a string, not ${describe(key)}.` };
  }
  if (key.length === 0) return { name: 'TypeError', reason: 'invalid key', message: `${op}(""): the key must not be empty.` };
  return checkText(`${op}(${keyLabel(key)})`, 'key', key) ?? key;
}

export function checkPrefix(prefix: unknown): string | KvRefusal {
  if (typeof prefix !== 'string') {
    return { name: 'TypeError', reason: 'invalid prefix', message: `kv.list(): prefix must be a string, not ${describe(prefix)}.` };
  }
  return checkText(`kv.list({ prefix: ${keyLabel(prefix)} })`, 'prefix', prefix) ?? prefix;
}

function checkText(at: string, what: 'key' | 'prefix', text: string): KvRefusal | null {
  // The request's text is bounded (wire.ts), so measuring the whole string is cheap.
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    return { name: 'RangeError', reason: `${what} too long`, message: `${at}: the ${what} is ${bytes} bytes; a ${what} is at most ${MAX_KEY_BYTES} bytes (UTF-8). Use a shorter ${what}; put long data in the value.` };
  }
  if (text.includes('\u0000')) {
    return { name: 'TypeError', reason: `invalid ${what}`, message: `${at}: the ${what} contains a NUL character (\\u0000), which keys may not.` };
  }
  if (!(text as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    return { name: 'TypeError', reason: `invalid ${what}`, message: `${at}: the ${what} contains a lone surrogate (half of a UTF-16 pair), which cannot be stored as UTF-8.` };
  }
  return null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined (missing)';
  return typeof value === 'object' ? (Array.isArray(value) ? 'an array' : 'an object') : `a ${typeof value}`;
}
