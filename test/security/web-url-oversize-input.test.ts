/**
 * Attack: make the sandbox process copy huge strings through the URL parser's host callback: a
 * 3 MB URL, a 3 MB base, a 3 MB value for a setter, and the largest URL allowed parsed in a
 * loop. Strings past 2 MiB characters are refused in the realm before they cross; the loop of
 * allowed ones is stopped by the CPU limit; the sandbox's resident memory stays in its bound.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const refused = `
export default () => {
  const attempt = (f: () => unknown) => { try { return 'ok ' + String(f()).length; } catch (e: any) { return e.name + ': ' + String(e.message).slice(0, 80); } };
  const big = 'https://a.example/' + 'p'.repeat(3 * 1024 * 1024);
  return {
    input: attempt(() => new URL(big)),
    base: attempt(() => new URL('x', big)),
    canParse: URL.canParse(big),
    setter: attempt(() => { const u = new URL('https://a.example/'); u.pathname = 'p'.repeat(3 * 1024 * 1024); return u.href; }),
    href: attempt(() => { const u = new URL('https://a.example/'); u.href = big; return u.href; }),
    atLimit: attempt(() => new URL('https://a.example/' + 'p'.repeat(2 * 1024 * 1024 - 19)).href),
  };
};`;

it('URLs past 2 MiB characters are refused in the realm, before the host copies them', async () => {
  const report = await attackResult<Record<string, unknown>>(server, 'url_oversize', refused, {}, { memory_mb: 128 });
  expect(report).toEqual({
    input: expect.stringMatching(/^TypeError: The URL is 3145746 characters long; URLs are limited to 2097152/),
    base: expect.stringMatching(/^TypeError: The base URL is 3145746 characters long/),
    canParse: false,
    setter: expect.stringMatching(/^TypeError: The new pathname is 3145728 characters long/),
    href: expect.stringMatching(/^TypeError: The URL is 3145746 characters long/),
    atLimit: 'ok 2097151',
  });
  await expectContained(server, { tool: 'url_oversize', memoryMb: 128 });
});

it('parsing the largest allowed URL in a loop is stopped by the CPU limit, the sandbox in its memory bound', async () => {
  const code = `export default () => { const s = 'https://a.example/' + 'p'.repeat(2 * 1024 * 1024 - 19); let n = 0; for (;;) n += new URL(s).href.length; };`;
  await createOk(server, 'url_loop', code, { timeout_ms: 1_000, memory_mb: 64 });
  const m = await measureCall(server, 'url_loop');
  recordAndCheck(m, { attack: 'web-url-oversize-input', class: 'denial-of-service', expectKind: 'timeout', limit: { kind: 'cpu', ms: 1_000 }, memoryMb: 64 });
  await expectContained(server, { tool: 'url_loop', kind: 'timeout' });
});
