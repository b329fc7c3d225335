/**
 * Attack (information leak): send the secret to a host the tool may fetch but the secret may
 * not go to: directly (the placeholder in a header to the other host), and by redirect (the
 * secret's own host answers 302/307/308 to the other host, hoping the header travels). What
 * must hold: the value goes only to the secret's `hosts`. A direct request is refused before
 * anything is sent; on a redirect to another origin every header that carried a placeholder
 * (and Authorization, Cookie) is dropped, so the other host gets the request without it. A
 * redirect within the origin keeps it, substituted again for that hop.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, capabilitiesConfig, expectTextNowhere, FETCH_EACH, secretValue, type FetchOutcome } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { goodHandler, httpTarget, type HttpTarget } from './helpers/http-target.js';

const SECRET = secretValue();
let home: HttpTarget;
let elsewhere: HttpTarget;
let server: SecurityServer;
beforeAll(async () => {
  home = await httpTarget(goodHandler);
  elsewhere = await httpTarget((_req, res) => res.end('elsewhere'));
  server = await startSecurityServer({
    config: capabilitiesConfig({ allow: [home.pattern, elsewhere.pattern], secrets: { API_TOKEN: { env: 'CHAMELEON_TEST_API_TOKEN', hosts: [home.pattern] } } }),
    env: { CHAMELEON_TEST_API_TOKEN: SECRET },
  });
});
afterAll(async () => {
  await server.close();
  await home.close();
  await elsewhere.close();
});

it("the secret reaches only its own host: refused to another, dropped on a redirect there, kept within its origin", async () => {
  const placeholder = '{{chameleon-secret:API_TOKEN}}';
  const withSecret = { headers: { authorization: `Bearer ${placeholder}`, 'x-api-key': placeholder, 'x-note': `k=${placeholder}` } };
  const redirect = (to: string, status: number) => home.url(`/redirect?to=${encodeURIComponent(to)}&status=${status}`);
  const requests = [
    { url: elsewhere.url('/direct'), init: withSecret },
    { url: redirect(elsewhere.url('/via-302'), 302), init: withSecret },
    { url: redirect(elsewhere.url('/via-307'), 307), init: withSecret },
    { url: redirect(elsewhere.url('/via-308'), 308), init: { ...withSecret, method: 'POST', body: 'payload' } },
    { url: redirect(home.url('/same-origin'), 302), init: withSecret },
  ];
  await createOk(server, 'secret_elsewhere', FETCH_EACH, { capabilities: { fetch: [home.pattern, elsewhere.pattern], secrets: ['API_TOKEN'] } });
  const { result } = await callOk<FetchOutcome[]>(server, 'secret_elsewhere', { requests });

  expect(result[0]).toMatchObject({
    ok: false,
    name: 'CapabilityError',
    message: `secret "API_TOKEN" may only be sent to ${home.pattern}, and this request goes to ${elsewhere.pattern}: send it only to those hosts, or the host must add "${elsewhere.pattern}" to secrets.API_TOKEN.hosts in its config`,
  });
  for (const r of result.slice(1, 4)) expect(r, r.url).toMatchObject({ ok: true, status: 200, body: 'elsewhere' });
  expect(result[4]).toMatchObject({ ok: true, status: 200, body: 'good' });

  // The other host got the three redirected requests, none with the secret or a placeholder,
  // and never the direct one.
  expect(elsewhere.received.map((r) => r.url)).toEqual(['/via-302', '/via-307', '/via-308']);
  for (const r of elsewhere.received) {
    const seen = JSON.stringify(r.rawHeaders) + r.body.toString('latin1');
    expect(seen).not.toContain(SECRET);
    expect(seen).not.toContain('chameleon-secret');
    expect(r.headers.authorization).toBeUndefined();
  }
  // The secret's own host got it on each request, and again after the same-origin redirect.
  expect(home.received.map((r) => r.headers['x-api-key'])).toEqual([SECRET, SECRET, SECRET, SECRET, SECRET]);
  expectTextNowhere(server, SECRET, 'the secret');
  await expectContained(server, { tool: 'secret_elsewhere', note: '1 direct request refused before sending; 3 cross-origin redirects arrived without the secret or its placeholder; 0 requests elsewhere carried it' });
});
