/**
 * Attack (integrity): smuggle a second header line, or a whole request, into the Headers a
 * tool builds, by every route a header reaches one: the Headers constructor (record, pairs,
 * another Headers), append, set, Request's and Response's init, and names or values with CR,
 * LF, NUL, non-byte characters or spaces. Every one is refused with a TypeError, so what fetch
 * sends later can only ever be the headers the tool named. Whitespace around a value is trimmed,
 * as the standard says, never kept.
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
  const attempt = (f: () => unknown) => { try { const r = f(); return 'accepted ' + JSON.stringify(r); } catch (e: any) { return e.name; } };
  const values = ['a\\r\\nX-Injected: 1', 'a\\nX-Injected: 1', 'a\\rb', 'a\\u0000b', 'a\\u2028b', 'ok\\u0100', 'GET / HTTP/1.1\\r\\nHost: evil'];
  const names = ['X-A\\r\\nX-B', 'X A', 'X:A', '', 'é', 'X-\\u0000', '(x)'];
  const routes = (name: string, value: string) => [
    attempt(() => [...new Headers({ [name]: value })]),
    attempt(() => [...new Headers([[name, value]])]),
    attempt(() => { const h = new Headers(); h.append(name, value); return [...h]; }),
    attempt(() => { const h = new Headers(); h.set(name, value); return [...h]; }),
    attempt(() => [...new Request('https://a.example/', { headers: [[name, value]] }).headers]),
    attempt(() => [...new Response(null, { headers: [[name, value]] }).headers]),
  ];
  return {
    badValues: values.map((v) => routes('X-Test', v)),
    badNames: names.map((n) => routes(n, 'v')),
    trimmed: [...new Headers({ 'X-T': ' \\t padded \\r\\n' })],
  };
};`;

it('no header name or value can carry a line break, NUL or a non-byte character into Headers', async () => {
  const report = await attackResult<{ badValues: string[][]; badNames: string[][]; trimmed: string[][] }>(server, 'header_injection', code);
  const refusedByEveryRoute = Array(6).fill('TypeError');
  // U+2028 is one character above 0xFF: a header is a byte string, so it is refused as well.
  for (const routes of report.badValues) expect(routes).toEqual(refusedByEveryRoute);
  for (const routes of report.badNames) expect(routes).toEqual(refusedByEveryRoute);
  expect(report.trimmed).toEqual([['x-t', 'padded']]);
  await expectContained(server, { tool: 'header_injection' });
});
