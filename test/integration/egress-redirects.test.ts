import { describe, expect, it, vi } from 'vitest';
import { egressFetch, type GuestFetchResponse } from '../../src/capabilities/egress/egress-fetch.js';
import { placeholderFor } from '../../src/capabilities/egress/secrets.js';
import { boundsFor, get, loopbackServer, policyFor, type Handler } from '../helpers/loopback-server.js';

const ok = (res: unknown) => {
  expect(res).not.toHaveProperty('refused');
  return res as GuestFetchResponse;
};

/** Redirects `/from...` paths as the table says, answers the rest with the method and body it got. */
function redirecting(table: Record<string, [number, string]>): Handler {
  return (req, res, received) => {
    const hop = table[req.url ?? ''];
    if (hop) {
      res.writeHead(hop[0], { location: hop[1] });
      res.end('moved');
      return;
    }
    res.end(`${received.method} ${received.url} ${received.body.toString('latin1')}`);
  };
}

describe('egressFetch() follows redirects within the allow-list', () => {
  it('follows a relative redirect, reports the final URL, and audits each hop', async () => {
    const server = await loopbackServer(redirecting({ '/a?x=1': [302, '/b?y=2'] }));
    const { outcome, audit } = await egressFetch(get(server.url('/a?x=1')), policyFor([server.pattern]), boundsFor());
    expect(ok(outcome)).toMatchObject({ status: 200, redirected: true, url: server.url('/b?y=2'), body: 'GET /b?y=2 ' });
    expect(audit).toEqual([
      expect.objectContaining({ path: '/a?x=', status: 302, bytes: 0 }),
      expect.objectContaining({ path: '/b?y=', status: 200, redirects: 1 }),
    ]);
    expect(audit[0]).not.toHaveProperty('redirects');
  });

  it.each([
    [301, 'GET', ''],
    [302, 'GET', ''],
    [303, 'GET', ''],
    [307, 'POST', 'payload'],
    [308, 'POST', 'payload'],
  ])('%i after a POST arrives as %s', async (status, method, body) => {
    const server = await loopbackServer(redirecting({ '/form': [status, '/done'] }));
    const { outcome } = await egressFetch(
      { url: server.url('/form'), method: 'POST', headers: [['content-type', 'text/plain']], body: 'payload', redirect: 'follow' },
      policyFor([server.pattern]),
      boundsFor(),
    );
    expect(ok(outcome).body).toBe(`${method} /done ${body}`);
    expect(server.received[1]!.headers['content-type']).toBe(body === '' ? undefined : 'text/plain');
  });

  it('returns the redirect itself with redirect: "manual", and refuses it with "error"', async () => {
    const server = await loopbackServer(redirecting({ '/a': [302, '/b'] }));
    const manual = await egressFetch({ ...get(server.url('/a')), redirect: 'manual' }, policyFor([server.pattern]), boundsFor());
    expect(ok(manual.outcome)).toMatchObject({ status: 302, redirected: false, body: 'moved' });
    expect(ok(manual.outcome).headers).toContainEqual(['location', '/b']);
    const error = await egressFetch({ ...get(server.url('/a')), redirect: 'error' }, policyFor([server.pattern]), boundsFor());
    expect(error.outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/answered 302 \(a redirect\) and the request's redirect mode is "error"/) });
    expect(server.received).toHaveLength(2);
  });

  it('leaves a redirect whose body never ends without reading it, and closes its socket', async () => {
    const server = await loopbackServer((req, res) => {
      if (req.url !== '/endless') return void res.end('arrived');
      res.writeHead(302, { location: '/next' });
      const timer = setInterval(() => res.write('.'), 10);
      res.on('close', () => clearInterval(timer));
    });
    const { outcome } = await egressFetch(get(server.url('/endless')), policyFor([server.pattern]), boundsFor());
    expect(ok(outcome).body).toBe('arrived');
    await vi.waitFor(() => expect(server.openSockets()).toBe(0));
  });

  it('bounds a redirect loop by maxRedirects', async () => {
    const server = await loopbackServer(redirecting({ '/loop': [302, '/loop'] }));
    const { outcome, audit } = await egressFetch(get(server.url('/loop')), policyFor([server.pattern]), boundsFor({ maxRedirects: 3 }));
    expect(outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/more than 3 redirects \(the host's capabilities\.fetch\.maxRedirects\)/) });
    expect(server.received).toHaveLength(4);
    expect(audit).toHaveLength(4);
  });
});

describe('egressFetch() checks every hop of a redirect', () => {
  it('refuses a redirect out of the allow-list, naming the target, without connecting to it', async () => {
    const other = await loopbackServer((_req, res) => res.end('should not be reached'));
    const server = await loopbackServer(redirecting({ '/a': [302, other.url('/steal?k=v')] }));
    const { outcome, audit } = await egressFetch(get(server.url('/a')), policyFor([server.pattern]), boundsFor());
    expect(outcome).toMatchObject({
      name: 'CapabilityError',
      message: `redirect (302) from http://${server.pattern}/a to http://${other.pattern}/steal: fetch to ${other.pattern} is not allowed for tool probe: the host does not allow it either: the host must first add "${other.pattern}" to capabilities.fetch.allow in its config, then the tool can add it to its capabilities.fetch (the host allows: ${server.pattern})`,
    });
    expect(other.received).toEqual([]);
    expect(audit).toEqual([expect.objectContaining({ status: 302 }), expect.objectContaining({ origin: `http://${other.pattern}`, path: '/steal?k=', refused: 'not allowed', redirects: 1 })]);
  });

  it('refuses a redirect to a private address under a wildcard (cloud metadata, another loopback)', async () => {
    const server = await loopbackServer(
      redirecting({
        '/meta': [302, 'http://169.254.169.254/latest/meta-data/'],
        '/loop6': [307, 'http://[::1]/admin'],
        '/decimal': [301, 'http://2130706434/'],
      }),
    );
    // The first hop is reached by name through a resolver and a permitted range of one address.
    const resolve = () => Promise.resolve([{ address: '127.0.0.1', family: 4 as const }]);
    const policy = policyFor(['*:*'], { privateRanges: ['127.0.0.1/32'] });
    const target = (path: string) => `http://public.test:${server.port}${path}`;
    const meta = await egressFetch(get(target('/meta')), policy, boundsFor(), { resolve });
    expect(meta.outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringMatching(/^redirect \(302\) from .* to http:\/\/169\.254\.169\.254\/latest\/meta-data\/: .*169\.254\.169\.254 is a link-local address.*metadata/) });
    const v6 = await egressFetch(get(target('/loop6')), policy, boundsFor(), { resolve });
    expect(v6.outcome).toMatchObject({ message: expect.stringMatching(/::1 is the loopback address/) });
    const decimal = await egressFetch(get(target('/decimal')), policy, boundsFor(), { resolve });
    expect(decimal.outcome).toMatchObject({ message: expect.stringMatching(/127\.0\.0\.2 is a loopback address/) });
    expect(server.received).toHaveLength(3);
  });

  it('refuses a redirect to another scheme', async () => {
    const server = await loopbackServer(redirecting({ '/a': [302, 'file:///etc/passwd'] }));
    const { outcome } = await egressFetch(get(server.url('/a')), policyFor([server.pattern]), boundsFor());
    expect(outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/only http: and https:.*file:/) });
  });

  it('drops credentials and secret headers when the origin changes, keeps them on the same origin', async () => {
    const second = await loopbackServer((_req, res) => res.end('second'));
    const first = await loopbackServer(redirecting({ '/cross': [302, second.url('/landed')], '/same': [302, '/landed'] }));
    const secrets = new Map([['TOKEN', { value: 'tok-123456789', hosts: [first.pattern, second.pattern] }]]);
    const policy = policyFor([first.pattern, second.pattern], { secrets });
    const headers: Array<[string, string]> = [
      ['authorization', 'Basic abc'],
      ['cookie', 'sid=1'],
      ['x-api-key', placeholderFor('TOKEN')],
      ['accept', 'text/plain'],
    ];
    const cross = await egressFetch(get(first.url('/cross'), headers), policy, boundsFor());
    expect(ok(cross.outcome).body).toBe('second');
    expect(second.received[0]!.headers).not.toHaveProperty('authorization');
    expect(second.received[0]!.headers).not.toHaveProperty('cookie');
    expect(second.received[0]!.headers).not.toHaveProperty('x-api-key');
    expect(second.received[0]!.headers.accept).toBe('text/plain');

    await egressFetch(get(first.url('/same'), headers), policy, boundsFor());
    expect(first.received[2]!.headers).toMatchObject({ authorization: 'Basic abc', cookie: 'sid=1', 'x-api-key': 'tok-123456789' });
  });
});
