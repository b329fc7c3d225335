/**
 * Attack (information leak): the secret's own host reflects the secret back, and the tool reads
 * the response: in the body raw, URL-encoded and base64 (three alignments, inside
 * `Basic base64(user:token)` too), in a response header, Set-Cookie, the status text, a
 * Location the tool reads with redirect: 'manual', and the final URL after a redirect that put
 * it in the path and query. The server substitutes the secret on the way out and must replace
 * every one of these forms by the placeholder before the response crosses into the sandbox:
 * the value is then in no result, log row, database byte or stderr line.
 *
 * The second test keeps SECURITY.md honest about what redaction cannot catch: a host that
 * transforms the value (hex, reversed, split, URL-encoded twice), and a value sent back in a
 * call that did not substitute it (only this call's secrets are redacted).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, capabilitiesConfig, expectTextNowhere, secretValue } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { httpTarget, type HttpTarget } from './helpers/http-target.js';

const PLACEHOLDER = '{{chameleon-secret:API_TOKEN}}';
// `/`, `+`, `=` and a space make the URL-encoded and base64 forms differ from the raw one.
const SECRET = `${secretValue()}/+= z`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

let home: HttpTarget;
let server: SecurityServer;
/** The token the home host saw last: it remembers it, as a hostile host would. */
let remembered = '';
beforeAll(async () => {
  home = await httpTarget((req, res, received) => {
    const auth = String(received.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : remembered;
    if (auth.startsWith('Bearer ')) remembered = token;
    const url = new URL(req.url ?? '/', 'http://home.invalid');
    if (url.pathname === '/start') return void res.writeHead(302, { location: `/echo/${encodeURIComponent(token)}?t=${encodeURIComponent(token)}` }).end();
    if (url.pathname === '/manual') return void res.writeHead(302, { location: `https://elsewhere.invalid/?stolen=${encodeURIComponent(token)}` }).end();
    if (url.pathname === '/transformed') {
      const hex = Buffer.from(token).toString('hex');
      const half = Math.floor(token.length / 2);
      return void res.end(JSON.stringify({ hex, reversed: [...token].reverse().join(''), split: [token.slice(0, half), token.slice(half)], twice: encodeURIComponent(encodeURIComponent(token)) }));
    }
    if (url.pathname === '/replay') return void res.end(JSON.stringify({ token }));
    res.writeHead(200, `OK ${token}`, { 'x-echo': token, 'x-b64': b64(token), 'x-basic': `Basic ${b64(`user:${token}`)}`, 'set-cookie': `s=${encodeURIComponent(token)}` });
    res.end(JSON.stringify({ auth, encoded: encodeURIComponent(token), form: new URLSearchParams({ t: token }).toString(), b64: [b64(token), b64(`a${token}`), b64(`ab${token}`)], b64url: Buffer.from(token).toString('base64url') }));
  });
  server = await startSecurityServer({
    config: capabilitiesConfig({ allow: [home.pattern], secrets: { API_TOKEN: { env: 'CHAMELEON_TEST_API_TOKEN', hosts: [home.pattern] } } }),
    env: { CHAMELEON_TEST_API_TOKEN: SECRET },
  });
});
afterAll(async () => {
  await server.close();
  await home.close();
});

const code = (base: string) => `
export default async (args: { path: string; send: boolean }, ctx: any) => {
  const headers = args.send ? { authorization: 'Bearer ' + ctx.secret('API_TOKEN') } : {};
  const read = async (path: string, init: any = {}) => {
    const r = await fetch('${base}' + path, { headers, ...init });
    return { status: r.status, statusText: r.statusText, url: r.url, headers: [...r.headers], body: await r.text() };
  };
  if (args.path !== 'all') return read(args.path);
  return { echo: await read('/echo'), redirected: await read('/start'), manual: await read('/manual', { redirect: 'manual' }) };
};`;

it('every form of the secret a host reflects is replaced by its placeholder before the sandbox sees it', async () => {
  home.received.length = 0;
  await createOk(server, 'secret_reflect', code(`http://${home.pattern}`), { capabilities: { fetch: [home.pattern], secrets: ['API_TOKEN'] } });
  type Read = { status: number; statusText: string; url: string; headers: Array<[string, string]>; body: string };
  const { result } = await callOk<{ echo: Read; redirected: Read; manual: Read }>(server, 'secret_reflect', { path: 'all', send: true });

  // The host did get the real value on every request (substitution happened, so redaction had work to do).
  expect(home.received.map((r) => r.headers.authorization)).toEqual([`Bearer ${SECRET}`, `Bearer ${SECRET}`, `Bearer ${SECRET}`, `Bearer ${SECRET}`]);
  const { echo, redirected, manual } = result;
  expect(echo.statusText).toBe(`OK ${PLACEHOLDER}`);
  expect(echo.headers).toContainEqual(['x-echo', PLACEHOLDER]);
  // base64 is redacted in whole 4-character groups: what is left at either end (here `xx==`)
  // encodes at most 2 bytes of the secret mixed with its neighbours (SECURITY.md says so).
  const leftover = (text: string) => text.split(PLACEHOLDER).filter(Boolean);
  const header = (name: string) => echo.headers.find(([n]) => n === name)?.[1] ?? '';
  expect(header('x-b64')).toContain(PLACEHOLDER);
  expect(header('x-basic')).toContain(PLACEHOLDER);
  for (const rest of [...leftover(header('x-b64')), ...leftover(header('x-basic').slice('Basic '.length))]) expect(rest.length).toBeLessThanOrEqual(8);
  expect(echo.headers).toContainEqual(['set-cookie', `s=${PLACEHOLDER}`]);
  const body = JSON.parse(echo.body) as { auth: string; encoded: string; form: string; b64: string[]; b64url: string };
  expect(body.auth).toBe(`Bearer ${PLACEHOLDER}`);
  expect(body.encoded).toBe(PLACEHOLDER);
  expect(body.form).toBe(`t=${PLACEHOLDER}`);
  expect(body.b64url).toContain(PLACEHOLDER);
  for (const form of body.b64) {
    expect(form).toContain(PLACEHOLDER);
    for (const rest of leftover(form)) expect(Buffer.from(rest, 'base64').length).toBeLessThanOrEqual(3);
  }
  expect(redirected.url).toBe(`http://${home.pattern}/echo/${PLACEHOLDER}?t=${PLACEHOLDER}`);
  expect(manual.headers).toContainEqual(['location', `https://elsewhere.invalid/?stolen=${PLACEHOLDER}`]);

  const encodedForms = [encodeURIComponent(SECRET), b64(SECRET).slice(0, -4), Buffer.from(SECRET).toString('base64url').slice(0, -4)];
  expectTextNowhere(server, SECRET, 'the secret', encodedForms);
  await expectContained(server, { tool: 'secret_reflect', note: '13 reflections of the secret (body, headers, cookie, status text, Location, final URL; raw, URL-encoded, base64 at 3 alignments) all redacted; the value in no response, row, database byte or stderr' });
});

it('documents what redaction cannot catch: a transformed echo, and a value the call did not send', async () => {
  const transformed = await callOk<{ body: string }>(server, 'secret_reflect', { path: '/transformed', send: true });
  const seen = JSON.parse(transformed.result.body) as { hex: string; reversed: string; split: string[]; twice: string };
  expect(Buffer.from(seen.hex, 'hex').toString()).toBe(SECRET);
  expect([...seen.reversed].reverse().join('')).toBe(SECRET);
  expect(seen.split.join('')).toBe(SECRET);
  expect(decodeURIComponent(decodeURIComponent(seen.twice))).toBe(SECRET);
  // A call that does not send the secret has nothing to redact: the host's replay reaches the tool.
  const replay = await callOk<{ body: string }>(server, 'secret_reflect', { path: '/replay', send: false });
  expect(JSON.parse(replay.result.body)).toEqual({ token: SECRET });
});
