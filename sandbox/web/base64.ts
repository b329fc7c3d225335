/*
 * atob and btoa: base64 over "binary strings" (one character per byte, 0-255), as the HTML
 * standard defines them. Errors are DOMExceptions named InvalidCharacterError, as in Node and
 * browsers. Linear in the input; bounded by the call's CPU and memory limits like any loop.
 */
import { DOMException } from './dom-exception.js';
import { toDOMString } from './webidl.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const TypeErrorCtor = TypeError;
const fromCharCode = String.fromCharCode;
/** Characters per String.fromCharCode call: far under V8's argument limit. */
const CHUNK = 8192;

/** Value of each base64 character code, -1 for the rest. */
const VALUES: readonly number[] = (() => {
  const values: number[] = [];
  for (let i = 0; i < 128; i++) values.push(ALPHABET.indexOf(fromCharCode(i)));
  return Object.freeze(values);
})();

function requireArgument(count: number, name: string): void {
  if (count === 0) throw new TypeErrorCtor(`${name}: 1 argument required, but only 0 present.`);
}

export function btoa(input: unknown): string {
  requireArgument(arguments.length, 'btoa');
  const data = toDOMString(input);
  let out = '';
  let i = 0;
  const byte = (index: number): number => {
    const code = data.charCodeAt(index);
    if (code > 0xff) throw new DOMException('Invalid character', 'InvalidCharacterError');
    return code;
  };
  for (; i + 2 < data.length; i += 3) {
    const n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = data.length - i;
  if (rest === 1) {
    const n = byte(i) << 16;
    out += `${ALPHABET[n >> 18]!}${ALPHABET[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (byte(i) << 16) | (byte(i + 1) << 8);
    out += `${ALPHABET[n >> 18]!}${ALPHABET[(n >> 12) & 63]!}${ALPHABET[(n >> 6) & 63]!}=`;
  }
  return out;
}

export function atob(input: unknown): string {
  requireArgument(arguments.length, 'atob');
  // Forgiving-base64 decode: ASCII whitespace is ignored, padding is optional.
  let data = toDOMString(input).replace(/[\t\n\f\r ]+/g, '');
  if (data.length % 4 === 0) data = data.replace(/==?$/, '');
  if (data.length % 4 === 1) throw new DOMException('The string to be decoded is not correctly encoded.', 'InvalidCharacterError');
  const codes: number[] = [];
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < data.length; i++) {
    const code = data.charCodeAt(i);
    const value = code < 128 ? VALUES[code]! : -1;
    if (value < 0) throw new DOMException('The string to be decoded is not correctly encoded.', 'InvalidCharacterError');
    buffer = ((buffer << 6) | value) & 0xffff; // at most 14 bits are ever pending
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      codes.push((buffer >> bits) & 0xff);
      if (codes.length === CHUNK) {
        out += fromCharCode(...codes);
        codes.length = 0;
      }
    }
  }
  return out + fromCharCode(...codes);
}
