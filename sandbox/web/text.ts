/*
 * TextEncoder and TextDecoder, UTF-8 only (the only encoding TextEncoder has anyway). The
 * codec is @exodus/bytes' (WHATWG's algorithm, tested against the web-platform tests); these
 * classes add the API: labels, BOM handling, fatal mode, streaming, encodeInto.
 *
 * Any other encoding label (utf-16le, windows-1252, latin1, ...) is refused with a RangeError,
 * as Node refuses labels it does not know: a tool that needs one decodes it itself.
 */
import { bytesView, defineTag, dictionary, toDOMString, toUSVString, typedArrayName } from './webidl.js';
import { utf8fromStringLoose, utf8toString, utf8toStringLoose } from './vendor.js';

const RangeErrorCtor = RangeError;
const TypeErrorCtor = TypeError;
const Uint8ArrayCtor = Uint8Array;

/** The WHATWG labels of UTF-8. */
const UTF8_LABELS: readonly string[] = Object.freeze(['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8']);

function utf8Label(label: unknown): void {
  const name = toDOMString(label)
    .replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '')
    .toLowerCase();
  if (!UTF8_LABELS.includes(name)) {
    throw new RangeErrorCtor(`The "${toDOMString(label).slice(0, 50)}" encoding is not supported: Chameleon tools decode UTF-8 only`);
  }
}

/**
 * How many bytes at the end of `bytes` begin a UTF-8 sequence that is valid so far but not
 * complete: a streaming decoder keeps them for the next chunk.
 */
function incompleteTail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const lead = bytes[n - back]!;
    if (lead < 0x80) return 0;
    if (lead < 0xc0) continue; // a continuation byte: its lead is further back
    if (lead < 0xc2 || lead > 0xf4) return 0;
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (back >= length) return 0;
    for (let i = 1; i < back; i++) {
      const next = bytes[n - back + i]!;
      let lower = 0x80;
      let upper = 0xbf;
      if (i === 1) {
        if (lead === 0xe0) lower = 0xa0;
        else if (lead === 0xed) upper = 0x9f;
        else if (lead === 0xf0) lower = 0x90;
        else if (lead === 0xf4) upper = 0x8f;
      }
      if (next < lower || next > upper) return 0;
    }
    return back;
  }
  return 0;
}

export class TextEncoder {
  get encoding(): string {
    return 'utf-8';
  }

  encode(input: unknown = ''): Uint8Array {
    return utf8fromStringLoose(toUSVString(input));
  }

  /** Writes as much of `source` as fits into `destination`, never half a character. */
  encodeInto(source: unknown, destination: unknown): { read: number; written: number } {
    const text = toUSVString(source);
    if (typedArrayName(destination) !== 'Uint8Array') throw new TypeErrorCtor('encodeInto: the destination must be a Uint8Array');
    const out = bytesView(destination)!;
    let read = 0;
    let written = 0;
    while (read < text.length) {
      const code = text.codePointAt(read)!;
      const units = code > 0xffff ? 2 : 1;
      const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      if (written + size > out.length) break;
      if (size === 1) out[written] = code;
      else if (size === 2) {
        out[written] = 0xc0 | (code >> 6);
        out[written + 1] = 0x80 | (code & 0x3f);
      } else if (size === 3) {
        out[written] = 0xe0 | (code >> 12);
        out[written + 1] = 0x80 | ((code >> 6) & 0x3f);
        out[written + 2] = 0x80 | (code & 0x3f);
      } else {
        out[written] = 0xf0 | (code >> 18);
        out[written + 1] = 0x80 | ((code >> 12) & 0x3f);
        out[written + 2] = 0x80 | ((code >> 6) & 0x3f);
        out[written + 3] = 0x80 | (code & 0x3f);
      }
      read += units;
      written += size;
    }
    return { read, written };
  }
}
defineTag(TextEncoder, 'TextEncoder');

export class TextDecoder {
  readonly #fatal: boolean;
  readonly #ignoreBOM: boolean;
  /** Bytes of an incomplete sequence kept from the last chunk of a stream. */
  #pending: Uint8Array = new Uint8ArrayCtor(0);
  #bomChecked = false;
  #streaming = false;

  constructor(label: unknown = 'utf-8', options: unknown = undefined) {
    utf8Label(label);
    const opts = dictionary(options, 'TextDecoder options');
    this.#fatal = Boolean(opts['fatal']);
    this.#ignoreBOM = Boolean(opts['ignoreBOM']);
  }

  get encoding(): string {
    return 'utf-8';
  }

  get fatal(): boolean {
    return this.#fatal;
  }

  get ignoreBOM(): boolean {
    return this.#ignoreBOM;
  }

  decode(input: unknown = undefined, options: unknown = undefined): string {
    const stream = Boolean(dictionary(options, 'decode options')['stream']);
    let bytes: Uint8Array;
    if (input === undefined || input === null) bytes = new Uint8ArrayCtor(0);
    else {
      const view = bytesView(input);
      if (view === null) throw new TypeErrorCtor('TextDecoder.decode: the input must be an ArrayBuffer, a typed array or a DataView');
      bytes = view;
    }
    if (!this.#streaming) {
      this.#pending = new Uint8ArrayCtor(0);
      this.#bomChecked = false;
    }
    this.#streaming = stream;
    if (this.#pending.length > 0) {
      const joined = new Uint8ArrayCtor(this.#pending.length + bytes.length);
      joined.set(this.#pending);
      joined.set(bytes, this.#pending.length);
      bytes = joined;
    }
    const keep = stream ? incompleteTail(bytes) : 0;
    this.#pending = keep > 0 ? bytes.slice(bytes.length - keep) : new Uint8ArrayCtor(0);
    const complete = keep > 0 ? bytes.subarray(0, bytes.length - keep) : bytes;
    let text: string;
    try {
      text = this.#fatal ? utf8toString(complete) : utf8toStringLoose(complete);
    } catch {
      this.#streaming = false;
      throw new TypeErrorCtor('The encoded data was not valid UTF-8');
    }
    if (!this.#bomChecked && text.length > 0) {
      this.#bomChecked = true;
      if (!this.#ignoreBOM && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return text;
  }
}
defineTag(TextDecoder, 'TextDecoder');

/** UTF-8 helpers for the other Web APIs (URLSearchParams, Body). */
export const utf8Encode = (text: string): Uint8Array => utf8fromStringLoose(text);
/** UTF-8 decode with replacement, BOM kept (the WHATWG "UTF-8 decode without BOM"). */
export const utf8DecodeKeepBOM = (bytes: Uint8Array): string => utf8toStringLoose(bytes);
/** UTF-8 decode with replacement that drops a leading BOM (the WHATWG "UTF-8 decode", used by Body.text()). */
export function utf8Decode(bytes: Uint8Array): string {
  const text = utf8toStringLoose(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
