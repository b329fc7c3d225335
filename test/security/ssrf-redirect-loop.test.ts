/**
 * Attack (SSRF / denial of service): a redirect loop, on one allowed host (each answer
 * redirects to a new URL, so no repeated-URL check stops it) and between two allowed hosts
 * that send the request back and forth (307, which keeps the method and body). The egress
 * follows at most `capabilities.fetch.maxRedirects` (5 by default) and then refuses: each
 * loop costs exactly 6 requests, and the call answers at once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, effectsOf, FETCH_EACH, type FetchOutcome, type SsrfScene, startSsrfScene } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained } from './helpers/harness.js';
import { goodHandler, httpTarget, type HttpTarget } from './helpers/http-target.js';

let scene: SsrfScene;
let peer: HttpTarget;
beforeAll(async () => {
  peer = await httpTarget(goodHandler);
  scene = await startSsrfScene({ allow: (good) => [good.pattern, peer.pattern] });
});
afterAll(async () => {
  await scene.close();
  await peer.close();
});

it('a redirect loop stops after maxRedirects, on one host and between two', async () => {
  const { server, good } = scene;
  const base = (t: HttpTarget) => `http://${t.pattern}`;
  const requests = [
    { url: good.url('/loop') },
    { url: good.url(`/pingpong?via=${encodeURIComponent(base(peer))}&back=${encodeURIComponent(base(good))}`), init: { method: 'POST', body: 'x'.repeat(1000) } },
    { url: good.url() },
  ];
  await createOk(server, 'ssrf_redirect_loop', FETCH_EACH, { capabilities: { fetch: [good.pattern, peer.pattern] } });
  const started = performance.now();
  const { result, executionId } = await callOk<FetchOutcome[]>(server, 'ssrf_redirect_loop', { requests });
  const elapsed = performance.now() - started;

  expect(result[0]).toMatchObject({ ok: false, name: 'TypeError', message: expect.stringMatching(/^fetch failed: more than 5 redirects \(the host's capabilities\.fetch\.maxRedirects\), the last to http:\/\/127\.0\.0\.1:\d+\/loop$/) });
  expect(result[1]).toMatchObject({ ok: false, name: 'TypeError', message: expect.stringMatching(/more than 5 redirects/) });
  expect(result[2]).toMatchObject({ ok: true, body: 'good' });
  // 6 requests per loop (the first and 5 redirects), and the last hop of each is the one refused.
  const loops = good.received.filter((r) => r.url.startsWith('/loop'));
  expect(loops).toHaveLength(6);
  const pingpong = [...good.received, ...peer.received].filter((r) => r.url.startsWith('/pingpong'));
  expect(pingpong).toHaveLength(6);
  // 307 kept the method and body on every hop.
  expect(pingpong.every((r) => r.method === 'POST' && r.body.length === 1000)).toBe(true);
  const effects = await effectsOf(server, executionId);
  expect(effects).toHaveLength(13);
  expect(elapsed).toBeLessThan(4_000);
  await expectContained(server, { tool: 'ssrf_redirect_loop', note: `2 endless redirect loops stopped after 6 requests each; the call took ${Math.round(elapsed)} ms` });
});
