/**
 * Attack (denial of service): make the SERVER process, which makes the tool's requests, read
 * an endless or enormous response: a body streamed without end and without Content-Length, a
 * Content-Length of 10 GB, a gzip bomb (100 gzip members of 10 MB of zeros each: ~1 GB from
 * ~1 MB on the wire), a brotli bomb (32 MB of zeros in a few bytes), and gzip inside gzip. What
 * must hold: the cap (`capabilities.fetch.maxResponseBytes`, 5 MB by default) applies to the
 * DECODED size; each response is refused there with a CapabilityError naming the setting, the
 * connection is closed, the server's resident memory stays bounded, and it keeps serving.
 */
import zlib from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { capabilitiesConfig, FETCH_EACH, gets, sampleRss, type FetchOutcome } from './helpers/capabilities.js';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { httpTarget, type HttpTarget } from './helpers/http-target.js';

const MB = 1024 * 1024;
const CAP = 5 * MB;
let bomb: HttpTarget;
let server: SecurityServer;
/** Bytes the endless body managed to write before the server closed the connection. */
let endlessWritten = 0;
beforeAll(async () => {
  const member = zlib.gzipSync(Buffer.alloc(10 * MB));
  const gzipBomb = Buffer.concat(Array(100).fill(member) as Buffer[]);
  const brotliBomb = zlib.brotliCompressSync(Buffer.alloc(32 * MB));
  const nested = zlib.gzipSync(zlib.gzipSync(Buffer.alloc(64 * MB)));
  const chunk = Buffer.alloc(64 * 1024, 'A');
  bomb = await httpTarget((req, res) => {
    if (req.url === '/endless') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const pump = (): void => {
        while (!res.destroyed) {
          endlessWritten += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      pump();
    } else if (req.url === '/declared') {
      res.writeHead(200, { 'content-length': String(10 * 1024 * MB) });
      res.write(chunk);
    } else if (req.url === '/gzip') {
      res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipBomb);
    } else if (req.url === '/brotli') {
      res.writeHead(200, { 'content-encoding': 'br' }).end(brotliBomb);
    } else if (req.url === '/nested') {
      res.writeHead(200, { 'content-encoding': 'gzip, gzip' }).end(nested);
    } else {
      res.end('fine');
    }
  });
  server = await startSecurityServer({ config: capabilitiesConfig({ allow: [bomb.pattern] }) });
});
afterAll(async () => {
  await server.close();
  await bomb.close();
});

it('an endless, over-declared or compressed bomb of a body is refused at the cap, with the server bounded', async () => {
  const paths = ['/endless', '/declared', '/gzip', '/brotli', '/nested'];
  await createOk(server, 'egress_bomb', FETCH_EACH, { capabilities: { fetch: [bomb.pattern] }, timeout_ms: 20_000 });
  const sampled = await sampleRss(server.serverPid, () => measureCall(server, 'egress_bomb', gets([...paths, '/fine'].map((p) => bomb.url(p)))));
  const m = sampled.value;
  const result = m.structured.result as FetchOutcome[];

  for (const r of result.slice(0, paths.length)) {
    expect(r, r.url).toMatchObject({ ok: false, name: 'CapabilityError', message: expect.stringContaining(`is larger than ${CAP} bytes (the host's capabilities.fetch.maxResponseBytes)`) });
  }
  expect(result[paths.length]).toMatchObject({ ok: true, body: 'fine' });
  // The endless body: the server stopped reading at the cap (plus what socket buffers held).
  expect(endlessWritten).toBeLessThan(CAP + 16 * MB);
  await new Promise((r) => setTimeout(r, 100));
  expect(bomb.openSockets()).toBe(0);
  // What the server holds for one response is the cap plus a decoder chunk; sampled every 5 ms.
  const grewMb = sampled.peakMb - sampled.baselineMb;
  expect(grewMb, `server RSS grew from ${sampled.baselineMb.toFixed(0)} to ${sampled.peakMb.toFixed(0)} MB`).toBeLessThan(100);
  recordAndCheck(m, {
    attack: 'egress-response-bomb',
    class: 'denial-of-service',
    expectKind: null,
    note: `5 bombs (endless, 10 GB declared, 1 GB gzip, 32 MB brotli, gzip in gzip) refused at the 5 MB cap; server RSS ${sampled.baselineMb.toFixed(0)} -> ${sampled.peakMb.toFixed(0)} MB; the endless body got ${(endlessWritten / MB).toFixed(1)} MB out before its socket closed`,
  });
  await expectContained(server, { tool: 'egress_bomb' });
});
