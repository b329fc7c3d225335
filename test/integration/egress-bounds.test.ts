import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { egressFetch, type GuestFetchResponse } from '../../src/capabilities/egress/egress-fetch.js';
import { boundsFor, get, loopbackServer, policyFor } from '../helpers/loopback-server.js';

const ok = (res: unknown) => {
  expect(res).not.toHaveProperty('refused');
  return res as GuestFetchResponse;
};
const KB = 1024;
const MB = 1024 * KB;

describe('egressFetch() bounds the response body', () => {
  it('returns a body of exactly maxResponseBytes and refuses one byte more, declared or chunked', async () => {
    const server = await loopbackServer((req, res) => {
      const size = Number(new URL(req.url!, 'http://x').searchParams.get('n'));
      if (req.url!.includes('chunked')) {
        res.write(Buffer.alloc(size - 1, 0x61));
        res.end(Buffer.from('b'));
      } else {
        res.setHeader('content-length', size);
        res.end(Buffer.alloc(size, 0x61));
      }
    });
    const policy = policyFor([server.pattern]);
    const bounds = () => boundsFor({ maxResponseBytes: 64 * KB });
    expect(ok((await egressFetch(get(server.url(`/?n=${64 * KB}`)), policy, bounds())).outcome).body).toHaveLength(64 * KB);
    expect(ok((await egressFetch(get(server.url(`/chunked?n=${64 * KB}`)), policy, bounds())).outcome).body).toHaveLength(64 * KB);
    for (const path of [`/?n=${64 * KB + 1}`, `/chunked?n=${64 * KB + 1}`]) {
      const { outcome, audit } = await egressFetch(get(server.url(path)), policy, bounds());
      expect(outcome, path).toMatchObject({
        name: 'CapabilityError',
        message: expect.stringMatching(/is larger than 65536 bytes \(the host's capabilities\.fetch\.maxResponseBytes\)/),
      });
      expect(audit[0]).toMatchObject({ status: 200, refused: 'too large' });
    }
  });

  it("holds a response to what is left of the call's bytes, naming maxBytesPerCall when that is the smaller bound", async () => {
    const server = await loopbackServer((_req, res) => res.end(Buffer.alloc(2 * KB, 0x61)));
    const policy = policyFor([server.pattern]);
    const roomy = { maxBytes: 10 * KB, received: 8 * KB };
    expect(ok((await egressFetch(get(server.url()), policy, boundsFor({ maxResponseBytes: 4 * KB, perCall: roomy }))).outcome).body).toHaveLength(2 * KB);
    const { outcome } = await egressFetch(get(server.url()), policy, boundsFor({ maxResponseBytes: 4 * KB, perCall: { ...roomy, received: 8 * KB + 1 } }));
    expect(outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringContaining('larger than the 2047 bytes this call may still receive') });
    expect((outcome as { message: string }).message).toContain("(the host's capabilities.fetch.maxBytesPerCall)");
    expect((outcome as { message: string }).message).not.toContain('maxResponseBytes');
  });

  it('decodes gzip, deflate and brotli, capping the decoded size', async () => {
    const text = 'hello '.repeat(1000);
    const server = await loopbackServer((req, res) => {
      const encoding = req.url!.slice(1);
      const encode = { gzip: zlib.gzipSync, deflate: zlib.deflateSync, br: zlib.brotliCompressSync }[encoding]!;
      res.setHeader('content-encoding', encoding);
      res.end(encode(Buffer.from(text)));
    });
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const { outcome } = await egressFetch(get(server.url(`/${encoding}`)), policyFor([server.pattern]), boundsFor());
      expect(ok(outcome).body, encoding).toBe(text);
    }
    const capped = await egressFetch(get(server.url('/gzip')), policyFor([server.pattern]), boundsFor({ maxResponseBytes: 1000 }));
    expect(capped.outcome).toMatchObject({ name: 'CapabilityError' });
  });

  it('stops a gzip bomb at the cap: 1 GB of zeros from ~1 MB on the wire, refused after reading little of it', async () => {
    // 64 MB of zeros gzip to ~64 KB; the server sends that member 16 times (1 GB decoded).
    const member = zlib.gzipSync(Buffer.alloc(64 * MB), { level: 9 });
    let sent = 0;
    const server = await loopbackServer((_req, res) => {
      res.setHeader('content-encoding', 'gzip');
      const more = () => {
        while (sent < 16 * member.length) {
          sent += member.length;
          if (!res.write(member)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const { outcome } = await egressFetch(get(server.url()), policyFor([server.pattern]), boundsFor({ maxResponseBytes: MB }));
    const ms = performance.now() - started;
    expect(outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringMatching(/larger than 1048576 bytes/) });
    // Decoding all of it would take seconds and a gigabyte; the cap stops it after about 1 MB.
    expect(ms).toBeLessThan(5_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * MB);
  });

  it('refuses a corrupt gzip body as a TypeError', async () => {
    const server = await loopbackServer((_req, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.end('this is not gzip');
    });
    const { outcome } = await egressFetch(get(server.url()), policyFor([server.pattern]), boundsFor());
    expect(outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/fetch failed: could not decode the response body/) });
  });

  it('refuses a request body above maxRequestBytes before connecting', async () => {
    const server = await loopbackServer((_req, res) => res.end());
    const { outcome } = await egressFetch({ ...get(server.url()), method: 'POST', body: 'x'.repeat(101) }, policyFor([server.pattern]), boundsFor({ maxRequestBytes: 100 }));
    expect(outcome).toMatchObject({ name: 'CapabilityError', message: expect.stringMatching(/101 bytes, more than 100.*maxRequestBytes/) });
    expect(server.received).toEqual([]);
  });
});

describe("egressFetch() ends at the call's deadline", () => {
  const DEADLINE = 300;
  /** Wide: the machine may be loaded (2 cores shared); what matters is that the wait ends near the deadline, not after the server's 60 s. */
  const MARGIN = 2_000;

  it('stops waiting for headers that never come, and closes the socket', async () => {
    const server = await loopbackServer(() => {
      /* never answers */
    });
    const started = performance.now();
    const { outcome, audit } = await egressFetch(get(server.url('/slow')), policyFor([server.pattern]), boundsFor({ signal: AbortSignal.timeout(DEADLINE) }));
    const ms = performance.now() - started;
    expect(outcome).toEqual({ refused: true, name: 'TypeError', message: `fetch to http://${server.pattern} stopped at the call's deadline while waiting for the response headers` });
    expect(ms).toBeGreaterThanOrEqual(DEADLINE - 20);
    expect(ms).toBeLessThan(DEADLINE + MARGIN);
    expect(audit[0]).toMatchObject({ error: 'deadline', status: null });
    await vi.waitFor(() => expect(server.openSockets()).toBe(0));
  });

  it('stops a body that trickles a byte at a time, and closes the socket', async () => {
    const server = await loopbackServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 20);
      res.on('close', () => clearInterval(timer));
    });
    const started = performance.now();
    const { outcome } = await egressFetch(get(server.url('/trickle')), policyFor([server.pattern]), boundsFor({ signal: AbortSignal.timeout(DEADLINE) }));
    const ms = performance.now() - started;
    expect(outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/deadline while waiting for the response body/) });
    expect(ms).toBeLessThan(DEADLINE + MARGIN);
    await vi.waitFor(() => expect(server.openSockets()).toBe(0));
  });

  it('does not start when the deadline has already passed', async () => {
    const server = await loopbackServer((_req, res) => res.end());
    const { outcome } = await egressFetch(get(server.url()), policyFor([server.pattern]), boundsFor({ signal: AbortSignal.abort() }));
    expect(outcome).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/deadline/) });
    expect(server.received).toEqual([]);
  });

  it('stops waiting for a resolver that never answers', async () => {
    const resolve = () => new Promise<never>(() => {});
    const started = performance.now();
    const { outcome } = await egressFetch(get('https://hang.test/'), policyFor(['hang.test']), boundsFor({ signal: AbortSignal.timeout(DEADLINE) }), { resolve });
    expect(outcome).toMatchObject({ message: expect.stringMatching(/deadline while waiting for the host name to resolve/) });
    expect(performance.now() - started).toBeLessThan(DEADLINE + MARGIN);
  });
});
