/**
 * crypto in a tool: digest gives node:crypto's hashes for SHA-1/256/384/512 and refuses other
 * algorithms as Node does; getRandomValues takes integer typed arrays up to 65,536 bytes and
 * names its refusals as Node does; the bytes are random (from the host's node:crypto), and
 * randomUUID is RFC 4122 version 4.
 */
import { createHash } from 'node:crypto';
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

describe('crypto.subtle.digest', () => {
  it('hashes as node:crypto does, for every algorithm and several inputs', async () => {
    const body = `
      const inputs = ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'a'.repeat(1000), 'héllo €𝄞'.repeat(3000)];
      const out = {};
      for (const algorithm of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) {
        out[algorithm] = [];
        for (const text of inputs) {
          const digest = await crypto.subtle.digest(algorithm, new TextEncoder().encode(text));
          out[algorithm].push(bytesOf(digest).map((b) => b.toString(16).padStart(2, '0')).join(''));
        }
      }
      return out;`;
    const realm = (await parity.inRealm(body)) as Record<string, string[]>;
    const inputs = ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'a'.repeat(1000), 'héllo €𝄞'.repeat(3000)];
    for (const [algorithm, node] of [['SHA-1', 'sha1'], ['SHA-256', 'sha256'], ['SHA-384', 'sha384'], ['SHA-512', 'sha512']] as const) {
      expect(realm[algorithm], algorithm).toEqual(inputs.map((text) => createHash(node).update(text, 'utf8').digest('hex')));
    }
  });

  it('takes any BufferSource and algorithm spelling Node takes, and rejects the rest as Node does', async () => {
    const body = `
      const buf = new Uint8Array([1, 2, 3, 4]).buffer;
      const hex = async (p) => bytesOf(await p).map((b) => b.toString(16).padStart(2, '0')).join('');
      return {
        sources: [await hex(crypto.subtle.digest('SHA-256', buf)), await hex(crypto.subtle.digest('sha-256', new DataView(buf, 1, 2))), await hex(crypto.subtle.digest({ name: 'Sha-256' }, new Uint16Array(buf, 2, 1)))],
        bad: await Promise.all([
          attemptAsync(() => crypto.subtle.digest('SHA256', buf)), attemptAsync(() => crypto.subtle.digest('MD5', buf)),
          attemptAsync(() => crypto.subtle.digest('SHA-256', 'text')), attemptAsync(() => crypto.subtle.digest('SHA-256', [1, 2])),
        ]),
        isPromise: crypto.subtle.digest('SHA-1', buf) instanceof Promise,
        resultType: Object.prototype.toString.call(await crypto.subtle.digest('SHA-1', buf)),
      };`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });
});

describe('crypto.getRandomValues and randomUUID', () => {
  it('take integer typed arrays up to the quota and refuse the rest, as Node does', async () => {
    const body = `
      const kinds = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array', 'Float32Array', 'Float64Array'];
      return {
        kinds: kinds.map((k) => { const a = new globalThis[k](4); const r = attempt(() => crypto.getRandomValues(a) === a); return [k, r]; }),
        others: [attempt(() => crypto.getRandomValues(new DataView(new ArrayBuffer(4)))), attempt(() => crypto.getRandomValues(new ArrayBuffer(4))), attempt(() => crypto.getRandomValues([1, 2]))].map((r) => r.threw),
        quota: [attempt(() => crypto.getRandomValues(new Uint8Array(65536)).length), attempt(() => crypto.getRandomValues(new Uint8Array(65537))), attempt(() => crypto.getRandomValues(new Uint32Array(16385)))],
        empty: crypto.getRandomValues(new Uint8Array(0)).length,
        view: (() => { const b = new Uint8Array(16); crypto.getRandomValues(b.subarray(4, 8)); return b.slice(0, 4).every((x) => x === 0) && b.slice(8).every((x) => x === 0); })(),
      };`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('gives bytes that look random and version 4 UUIDs that do not repeat', async () => {
    const body = `
      const bytes = crypto.getRandomValues(new Uint8Array(65536));
      const counts = new Array(256).fill(0);
      for (const b of bytes) counts[b]++;
      const uuids = Array.from({ length: 2000 }, () => crypto.randomUUID());
      return { min: Math.min(...counts), max: Math.max(...counts), uuids: uuids.slice(0, 3), unique: new Set(uuids).size, allV4: uuids.every((u) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u)) };`;
    const first = (await parity.inRealm(body)) as { min: number; max: number; uuids: string[]; unique: number; allV4: boolean };
    const second = (await parity.inRealm(body)) as typeof first;
    // 65,536 bytes over 256 values: 256 expected each; a bound 5 standard deviations (~16) wide on each side and more.
    expect(first.min).toBeGreaterThan(150);
    expect(first.max).toBeLessThan(370);
    expect(first.unique).toBe(2000);
    expect(first.allV4).toBe(true);
    expect(second.uuids).not.toEqual(first.uuids);
  });
});
