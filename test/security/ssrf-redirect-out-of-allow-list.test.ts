/**
 * Attack (SSRF): an allowed host redirects the tool to a host its manifest does not name (the
 * host's ceiling does: it is another tool's), to a URL with credentials, and to schemes fetch
 * must never follow (file:, data:, ftp:, gopher:, javascript:). The manifest names only the
 * good target. Each redirect is a new request, checked in full against the manifest, the
 * ceiling and the scheme rules before it connects: all refused, the other host (the bait
 * here) sees no connection.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, effectsOf, FETCH_EACH, gets, startSsrfScene, type FetchOutcome, type SsrfScene } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained } from './helpers/harness.js';

let scene: SsrfScene;
beforeAll(async () => {
  scene = await startSsrfScene({ allow: (good, bait) => [good.pattern, bait.pattern] });
});
afterAll(() => scene.close());

it('redirects outside the manifest, with credentials or to another scheme are refused', async () => {
  const { server, bait, good } = scene;
  const other = bait.url('/stolen');
  const schemes = ['file:///etc/passwd', 'data:text/plain,hello', `ftp://${bait.pattern}/`, `gopher://${bait.pattern}/_GET%20/`, 'javascript:alert(1)'];
  const redirect = (to: string, status = 302) => good.url(`/redirect?to=${encodeURIComponent(to)}&status=${status}`);
  const urls = [redirect(other), redirect(other, 307), redirect(other, 308), redirect(good.url('/x').replace('http://', `http://user:pw@`)), ...schemes.map((s) => redirect(s))];
  await createOk(server, 'ssrf_redirect_out', FETCH_EACH, { capabilities: { fetch: [good.pattern] } });
  const { result, executionId } = await callOk<FetchOutcome[]>(server, 'ssrf_redirect_out', gets([...urls, good.url()]));

  for (const r of result.slice(0, 3)) {
    expect(r, r.url).toMatchObject({ ok: false, name: 'CapabilityError', message: expect.stringContaining(`fetch to ${bait.pattern} is not allowed for tool ssrf_redirect_out: add "${bait.pattern}" to its capabilities.fetch`) });
  }
  expect(result[3]).toMatchObject({ ok: false, name: 'TypeError', message: expect.stringMatching(/a URL with credentials \(user:password@\) cannot be fetched/) });
  for (const r of result.slice(4, urls.length)) {
    expect(r, r.url).toMatchObject({ ok: false, name: 'TypeError', message: expect.stringMatching(/only http: and https: URLs can be fetched/) });
  }
  expect(result[urls.length]).toMatchObject({ ok: true, status: 200, body: 'good' });
  const effects = await effectsOf(server, executionId);
  const refusedHops = effects.filter((e) => e.refused !== undefined || e.error !== undefined).map((e) => e.refused ?? e.error);
  expect(refusedHops).toEqual(['not allowed', 'not allowed', 'not allowed', 'credentials in URL', ...schemes.map(() => 'scheme')]);
  expect(bait.connections()).toBe(0);
  await expectContained(server, { tool: 'ssrf_redirect_out', note: `${urls.length} redirects out of the manifest or to other schemes refused; 0 connections at the other host` });
});
