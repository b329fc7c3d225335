/**
 * Attack: ask the host for more entropy than the quota in one call to crypto.getRandomValues:
 * a 16 MB array, a Uint32Array one element past 65,536 bytes, and objects that only claim to be
 * big typed arrays (a plain object with a huge length, a Proxy of a Uint8Array, a subclass
 * instance with a lying byteLength). The realm reads a view's size from the engine's own slots
 * and refuses past 65,536 bytes before anything crosses: the host is never asked for more.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => {
  const attempt = (f: () => unknown) => { try { const r: any = f(); return 'filled ' + (r && r.byteLength); } catch (e: any) { return e.name + (e instanceof DOMException ? ' (DOMException ' + e.code + ')' : ''); } };
  class Liar extends Uint8Array { get byteLength() { return 1; } get length() { return 1; } }
  const liar = new Liar(1024 * 1024);
  return {
    huge: attempt(() => crypto.getRandomValues(new Uint8Array(16 * 1024 * 1024))),
    oneOver: attempt(() => crypto.getRandomValues(new Uint32Array(16385))),
    atQuota: attempt(() => crypto.getRandomValues(new Uint8Array(65536))),
    plainObject: attempt(() => crypto.getRandomValues({ length: 1e9, byteLength: 1e9, BYTES_PER_ELEMENT: 1 } as any)),
    proxy: attempt(() => crypto.getRandomValues(new Proxy(new Uint8Array(8), {}))),
    liar: attempt(() => crypto.getRandomValues(liar)),
    liarUntouched: liar.subarray(0, 65536).every((b) => b === 0),
  };
};`;

it("getRandomValues refuses past 65,536 bytes by the engine's own length, and refuses what is not a typed array", async () => {
  const report = await attackResult<Record<string, unknown>>(server, 'random_huge', code, {}, { memory_mb: 64 });
  expect(report).toEqual({
    huge: 'QuotaExceededError (DOMException 22)',
    oneOver: 'QuotaExceededError (DOMException 22)',
    atQuota: 'filled 65536',
    plainObject: 'TypeMismatchError (DOMException 17)',
    proxy: 'TypeMismatchError (DOMException 17)',
    liar: 'QuotaExceededError (DOMException 22)',
    liarUntouched: true,
  });
  await expectContained(server, { tool: 'random_huge' });
});
