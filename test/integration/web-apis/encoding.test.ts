/**
 * TextEncoder, TextDecoder (UTF-8), atob and btoa in a tool behave as Node's: encoding of lone
 * surrogates, encodeInto's partial writes, decoding of invalid and truncated sequences with
 * and without `fatal`, the BOM, streaming split at every byte, and base64's forgiving rules.
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

/** Byte sequences the WHATWG decoder replaces or refuses, and valid ones around them. */
const BYTES = [
  [], [0x61, 0x62], [0xff], [0x80], [0xc2], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xe0, 0xa0], [0xed, 0xa0, 0x80],
  [0xed, 0x9f, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x8f, 0xbf, 0xbf], [0xf0, 0x9f, 0x98], [0xf0, 0x9f, 0x98, 0x80], [0xe2, 0x82],
  [0x61, 0xf0, 0x9f, 0x61], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe, 0xff], [0xef, 0xbb, 0xbf, 0x61], [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf],
  [0xef, 0xbb], [0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e, 0x00],
];

describe('TextEncoder', () => {
  it('encodes as Node does, lone surrogates as U+FFFD', async () => {
    const body = `
      const e = new TextEncoder();
      const texts = ['', 'abc', 'héllo €𝄞', '\\uD800x', 'x\\uDC00', '\\uDBFF\\uDFFF', '\\u0000', 123, { toString() { return 'obj'; } }];
      return { encoding: e.encoding, encoded: texts.map((t) => bytesOf(e.encode(t))), none: bytesOf(e.encode()), tag: Object.prototype.toString.call(e) };`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('encodeInto writes whole characters only and reports read and written', async () => {
    const body = `
      const e = new TextEncoder();
      const out = [];
      for (const text of ['a€𝄞b', '\\uD800ab', '']) for (let size = 0; size <= 9; size++) {
        const dest = new Uint8Array(size);
        const r = e.encodeInto(text, dest);
        out.push([text, size, r.read, r.written, bytesOf(dest)]);
      }
      const offset = new Uint8Array(8);
      out.push(e.encodeInto('xyz', offset.subarray(2, 4)), bytesOf(offset));
      out.push(attempt(() => e.encodeInto('a', new Uint16Array(2))));
      return out;`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });
});

describe('TextDecoder', () => {
  it('decodes invalid and truncated sequences as Node does, replacing them or (fatal) throwing a TypeError', async () => {
    const body = `
      return args.bytes.map((b) => [b,
        new TextDecoder().decode(new Uint8Array(b)),
        new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array(b)),
        attempt(() => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(b))),
      ]);`;
    const { realm, node } = await parity.both(body, { bytes: BYTES });
    expect(realm).toEqual(node);
    expect((node as Array<[unknown, unknown, unknown, { threw?: string }]>).filter((r) => r[3].threw === 'TypeError').length).toBeGreaterThan(10);
  });

  it('streams: a text split at every byte decodes as it does whole, with the BOM dropped once', async () => {
    const body = `
      const whole = [0xef, 0xbb, 0xbf, 0x61, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e, 0xc3, 0xa9, 0xff, 0xf0, 0x9f];
      const out = [];
      for (const options of [{}, { fatal: true }, { ignoreBOM: true }]) {
        for (let cut = 0; cut <= whole.length; cut++) {
          const d = new TextDecoder('utf-8', options);
          out.push(attempt(() => d.decode(new Uint8Array(whole.slice(0, cut)), { stream: true }) + '|' + d.decode(new Uint8Array(whole.slice(cut)))));
          // The decoder is reusable after a non-streaming call: no state carries over.
          out.push(attempt(() => d.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x62]))));
        }
      }
      const one = new TextDecoder();
      out.push(whole.map((b) => one.decode(new Uint8Array([b]), { stream: true })).join('') + one.decode());
      return out;`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('reads any BufferSource and takes the UTF-8 labels', async () => {
    const body = `
      const buf = new Uint8Array([0x41, 0xc3, 0xa9, 0x42, 0x43, 0x44]).buffer;
      const d = new TextDecoder();
      return {
        inputs: [d.decode(buf), d.decode(new DataView(buf, 1, 2)), d.decode(new Uint16Array(buf, 2, 2)), d.decode(new Uint8Array(buf, 3)), d.decode(), d.decode(undefined)],
        notBytes: attempt(() => d.decode('abc')), notBytes2: attempt(() => d.decode([65])),
        labels: ['utf8', ' UTF-8 ', 'unicode-1-1-utf-8', 'x-unicode20utf8', 'UTF8'].map((l) => new TextDecoder(l).encoding),
        props: [d.encoding, d.fatal, d.ignoreBOM, new TextDecoder('utf-8', { fatal: 1, ignoreBOM: 'yes' }).fatal],
        unknown: attempt(() => new TextDecoder('no-such-encoding')),
      };`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('refuses every encoding but UTF-8 with a RangeError (Node decodes utf-16le and latin1; a tool does not)', async () => {
    const realm = await parity.inRealm(`return ['utf-16le', 'latin1', 'windows-1252', 'utf-16be', 'iso-8859-2', 'gbk'].map((l) => attempt(() => new TextDecoder(l)));`);
    expect(realm).toEqual(Array(6).fill({ threw: 'RangeError' }));
  });
});

describe('atob and btoa', () => {
  it('encode and decode as Node does, with InvalidCharacterError for what base64 cannot carry', async () => {
    const body = `
      const binary = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
      return {
        btoa: ['', 'a', 'ab', 'abc', 'abcd', '\\xff\\xfe\\x00', binary, '€', '\\u0100', 12, null].map((s) => attempt(() => btoa(s))),
        atob: ['', 'YQ==', 'YQ', 'YQ=', ' Y Q = = ', 'Y', 'YQ===', '@@@@', 'ab\\tcd', '////', 'YWJj\\nZA==', 'YW=Jj', '=', 'YQ==YQ==', 'ÿÿÿÿ', null, undefined].map((s) => attempt(() => atob(s))),
        round: atob(btoa(binary)) === binary,
        names: [attempt(() => atob('*')), attempt(() => btoa('€'))].map((r) => r.threw),
        arity: [attempt(() => atob()), attempt(() => btoa())].map((r) => r.threw),
      };`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('throws a DOMException with the legacy code 5', async () => {
    const body = `try { atob('*'); } catch (e) { return [e instanceof DOMException, e instanceof Error, e.name, e.code, DOMException.INVALID_CHARACTER_ERR]; }`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });
});
