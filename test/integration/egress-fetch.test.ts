import { describe, expect, it } from 'vitest';
import { egressFetch, type GuestFetchResponse } from '../../src/capabilities/egress/egress-fetch.js';
import { boundsFor, get, loopbackServer, policyFor } from '../helpers/loopback-server.js';

const ok = (res: unknown) => {
  expect(res).not.toHaveProperty('refused');
  return res as GuestFetchResponse;
};

describe('egressFetch() to an allowed server', () => {
  it('does a GET and returns status, headers and body as latin1 bytes', async () => {
    const server = await loopbackServer((_req, res) => {
      res.setHeader('x-answer', '42');
      res.end(Buffer.from([0x68, 0x69, 0xff]));
    });
    const { outcome, audit } = await egressFetch(get(server.url('/items?page=2&q=secret')), policyFor([server.pattern]), boundsFor());
    const response = ok(outcome);
    expect(response).toMatchObject({ status: 200, statusText: 'OK', url: server.url('/items?page=2&q=secret'), redirected: false, body: 'hi\xff' });
    expect(response.headers).toContainEqual(['x-answer', '42']);
    const [request] = server.received;
    expect(request).toMatchObject({ method: 'GET', url: '/items?page=2&q=secret' });
    expect(request!.headers).toMatchObject({ host: server.pattern, 'user-agent': 'chameleon-tool/probe', 'accept-encoding': 'gzip, deflate, br' });
    expect(audit).toEqual([{ op: 'fetch', method: 'GET', origin: `http://${server.pattern}`, path: '/items?page=&q=', status: 200, bytes: 3, ms: expect.any(Number) }]);
  });

  it('does a POST with a binary body, and the server receives the same bytes', async () => {
    const server = await loopbackServer((_req, res, received) => res.end(`got ${received.body.length}`));
    const body = '\x00\x01\xfe\xff{"a":1}';
    const { outcome } = await egressFetch(
      { url: server.url('/upload'), method: 'post', headers: [['Content-Type', 'application/octet-stream'], ['Host', 'evil.com'], ['Content-Length', '1']], body, redirect: 'follow' },
      policyFor([server.pattern]),
      boundsFor(),
    );
    expect(ok(outcome).body).toBe(`got ${body.length}`);
    const [request] = server.received;
    expect(request!.method).toBe('POST');
    expect(request!.body).toEqual(Buffer.from(body, 'latin1'));
    expect(request!.headers).toMatchObject({ host: server.pattern, 'content-length': String(body.length), 'content-type': 'application/octet-stream' });
  });

  it('answers a HEAD and a 204 without a body', async () => {
    const server = await loopbackServer((req, res) => {
      res.statusCode = req.method === 'HEAD' ? 200 : 204;
      res.end();
    });
    const head = await egressFetch({ ...get(server.url()), method: 'HEAD' }, policyFor([server.pattern]), boundsFor());
    expect(ok(head.outcome)).toMatchObject({ status: 200, body: '' });
    const empty = await egressFetch({ ...get(server.url()), method: 'DELETE' }, policyFor([server.pattern]), boundsFor());
    expect(ok(empty.outcome)).toMatchObject({ status: 204, body: '' });
  });

  it('reports a refused connection as fetch does, without host internals', async () => {
    const server = await loopbackServer((_req, res) => res.end());
    const pattern = server.pattern;
    await server.close();
    const { outcome, audit } = await egressFetch(get(server.url('/x')), policyFor([pattern]), boundsFor());
    expect(outcome).toEqual({ refused: true, name: 'TypeError', message: `fetch failed: connect ECONNREFUSED 127.0.0.1:${server.port}` });
    expect(audit).toEqual([expect.objectContaining({ status: null, error: `connect ECONNREFUSED 127.0.0.1:${server.port}` })]);
  });

  it('refuses other schemes and credentials in the URL', async () => {
    const policy = policyFor(['*:*']);
    expect((await egressFetch(get('ftp://127.0.0.1/x'), policy, boundsFor())).outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/only http: and https:.*ftp:/) });
    expect((await egressFetch(get('file:///etc/passwd'), policy, boundsFor())).outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/file:/) });
    expect((await egressFetch(get('http://u:p@a.example/'), policy, boundsFor())).outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/credentials/) });
  });
});

describe('egressFetch() never throws', () => {
  it('answers hostile or broken input with a refusal, and no host internals', async () => {
    const inputs: unknown[] = [null, 42, {}, { ...get('http://a.test/'), headers: 'x' }, { ...get('http://a.test/'), body: 5 }, get(`http://a.test/${'x'.repeat(70_000)}`)];
    for (const input of inputs) {
      const { outcome, audit } = await egressFetch(input as never, policyFor(['*']), boundsFor());
      expect(outcome, JSON.stringify(input)?.slice(0, 80)).toMatchObject({ refused: true, name: 'TypeError', message: expect.not.stringContaining('unexpected') });
      expect(audit).toEqual([expect.objectContaining({ status: null, error: 'invalid request' })]);
    }
    const broken = await egressFetch(get('http://a.test/'), { tool: 'probe', manifest: undefined, ceiling: null } as never, boundsFor());
    expect(broken.outcome).toEqual({ refused: true, name: 'TypeError', message: 'fetch failed: an unexpected error in the server (a bug in Chameleon)' });
  });
});

describe('egressFetch() refuses what the manifest or the ceiling does not allow', () => {
  it('refuses a host outside the manifest, saying what to add and what the host allows', async () => {
    const server = await loopbackServer((_req, res) => res.end());
    const { outcome, audit } = await egressFetch(get(server.url()), policyFor([server.pattern], { manifest: [] }), boundsFor());
    expect(outcome).toEqual({
      refused: true,
      name: 'CapabilityError',
      message: `fetch to ${server.pattern} is not allowed for tool probe: add "${server.pattern}" to its capabilities.fetch (the host allows: ${server.pattern})`,
    });
    expect(server.received).toEqual([]);
    expect(audit).toEqual([expect.objectContaining({ refused: 'not allowed', status: null })]);
  });

  it('refuses a host in the manifest but outside the ceiling, naming the config key', async () => {
    const server = await loopbackServer((_req, res) => res.end());
    const { outcome } = await egressFetch(get(server.url()), policyFor([], { manifest: [server.pattern], ceiling: ['api.github.com'] }), boundsFor());
    expect(outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringMatching(/the host must add "127\.0\.0\.1:\d+" to capabilities\.fetch\.allow in its config \(the host allows: api\.github\.com\)/) });
    expect(server.received).toEqual([]);
  });

  it('says the host must allow it first when neither does', async () => {
    const { outcome } = await egressFetch(get('https://api.x.com/'), policyFor([]), boundsFor());
    expect(outcome).toMatchObject({ message: expect.stringMatching(/^fetch to api\.x\.com is not allowed for tool probe: the host does not allow it either.*capabilities\.fetch\.allow.*\(the host allows: nothing\)/) });
  });

  it('keeps ports apart: a pattern without port allows 80 and 443 only', async () => {
    const server = await loopbackServer((_req, res) => res.end());
    const { outcome } = await egressFetch(get(server.url()), policyFor(['127.0.0.1']), boundsFor());
    expect(outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringContaining(`add "${server.pattern}"`) });
  });
});

describe('egressFetch() checks the address it connects to', () => {
  const tricks = (port: number) => [
    `http://2130706433:${port}/`,
    `http://0x7f.1:${port}/`,
    `http://0177.0.0.1:${port}/`,
    `http://127.1:${port}/`,
    `http://[::ffff:127.0.0.1]:${port}/`,
    `http://[::ffff:7f00:1]:${port}/`,
  ];

  it('refuses loopback written any way under a wildcard, and never connects', async () => {
    const server = await loopbackServer((_req, res) => res.end());
    for (const target of tricks(server.port)) {
      const { outcome, audit } = await egressFetch(get(target), policyFor(['*:*']), boundsFor());
      expect(outcome, target).toMatchObject({ name: 'CapabilityError', message: expect.stringMatching(/127\.0\.0\.1 is a loopback address.*add "127\.0\.0\.1\/32".*to capabilities\.fetch\.privateRanges/) });
      expect(audit[0]).toMatchObject({ refused: 'address' });
    }
    for (const target of [`http://0.0.0.0:${server.port}/`, `http://0:${server.port}/`, `http://[::]:${server.port}/`]) {
      expect((await egressFetch(get(target), policyFor(['*:*']), boundsFor())).outcome, target).toMatchObject({ message: expect.stringMatching(/unspecified/) });
    }
    expect(server.received).toEqual([]);
  });

  it('reaches the same server written any way when the ceiling names 127.0.0.1 exactly', async () => {
    const server = await loopbackServer((_req, res) => res.end('here'));
    for (const target of tricks(server.port)) {
      const { outcome } = await egressFetch(get(target), policyFor([server.pattern]), boundsFor());
      expect(ok(outcome).body, target).toBe('here');
    }
  });

  it('reaches a loopback address under a wildcard when privateRanges permits it', async () => {
    const server = await loopbackServer((_req, res) => res.end('ranged'));
    const { outcome } = await egressFetch(get(server.url()), policyFor(['*:*'], { privateRanges: ['127.0.0.0/8'] }), boundsFor());
    expect(ok(outcome).body).toBe('ranged');
  });

  it('reaches localhost named exactly, and refuses it under a wildcard', async () => {
    const server = await loopbackServer((_req, res) => res.end('local'));
    const target = `http://localhost:${server.port}/`;
    const exact = await egressFetch(get(target), policyFor([`localhost:${server.port}`]), boundsFor());
    expect(ok(exact.outcome).body).toBe('local');
    expect(server.received[0]!.headers.host).toBe(`localhost:${server.port}`);
    const wildcard = await egressFetch(get(target), policyFor(['*:*']), boundsFor());
    expect(wildcard.outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringMatching(/localhost resolves to 127\.0\.0\.1, a loopback address/) });
    expect(server.received).toHaveLength(1);
  });

  it('refuses a name that resolves to loopback (rebinding), and connects to the checked address when permitted', async () => {
    const server = await loopbackServer((_req, res) => res.end('pinned'));
    const asked: string[] = [];
    const resolve = (name: string) => {
      asked.push(name);
      return Promise.resolve([{ address: '127.0.0.1', family: 4 as const }]);
    };
    const pattern = `rebind.test:${server.port}`;
    const target = `http://rebind.test:${server.port}/`;
    const refused = await egressFetch(get(target), policyFor([pattern]), boundsFor(), { resolve });
    expect(refused.outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringMatching(/rebind\.test resolves to 127\.0\.0\.1, a loopback address.*DNS rebinding/) });
    expect(server.received).toEqual([]);

    // The system resolver does not know rebind.test: the socket can only have used the checked answer.
    const allowed = await egressFetch(get(target), policyFor([pattern], { privateRanges: ['127.0.0.1/32'] }), boundsFor(), { resolve });
    expect(ok(allowed.outcome).body).toBe('pinned');
    expect(server.received[0]!.headers.host).toBe(pattern);
    expect(asked).toEqual(['rebind.test', 'rebind.test']);
  });

  it('reports a name that does not resolve', async () => {
    const resolve = () => Promise.reject(Object.assign(new Error('x'), { code: 'ENOTFOUND' }));
    const { outcome } = await egressFetch(get('https://nowhere.test/'), policyFor(['nowhere.test']), boundsFor(), { resolve });
    expect(outcome).toEqual({ refused: true, name: 'TypeError', message: 'fetch failed: getaddrinfo ENOTFOUND nowhere.test' });
  });
});
