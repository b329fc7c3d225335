/**
 * Attack (SSRF): an allowed public-looking host answers with a redirect to a private address:
 * loopback by literal, encoded literal, IPv6, IPv4-mapped and name, 0.0.0.0, and the cloud
 * metadata service, with every redirect status (301, 302, 303, 307, 308) and a protocol-
 * relative Location. The ceiling allows any host and port (`*:*`), so the redirect's target
 * matches the pattern: what must stop it is the same address check as for a first request,
 * applied to every hop before it connects. The bait sees no connection.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, effectsOf, expectRefusedThenControl, FETCH_EACH, gets, startSsrfScene, type FetchOutcome, type SsrfScene } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained } from './helpers/harness.js';

let scene: SsrfScene;
beforeAll(async () => {
  scene = await startSsrfScene();
});
afterAll(() => scene.close());

it('a redirect to a loopback, unspecified or link-local address is refused at that hop', async () => {
  const { server, bait, good } = scene;
  const p = bait.port;
  const destinations = [`http://127.0.0.1:${p}/`, `http://2130706433:${p}/`, `http://[::1]:${p}/`, `http://[::ffff:7f00:1]:${p}/`, `http://localhost:${p}/`, `http://0.0.0.0:${p}/`, 'http://169.254.169.254/latest/meta-data/', `//127.0.0.1:${p}/relative`];
  const statuses = [301, 302, 303, 307, 308];
  const urls = destinations.map((to, i) => good.url(`/redirect?to=${encodeURIComponent(to)}&status=${statuses[i % statuses.length]}`));
  await createOk(server, 'ssrf_redirect_private', FETCH_EACH, { capabilities: { fetch: ['*:*', good.pattern] } });
  const { result, executionId } = await callOk<FetchOutcome[]>(server, 'ssrf_redirect_private', gets([...urls, good.url()]));

  expectRefusedThenControl(result, { name: 'CapabilityError', message: /^redirect \(30[12378]\) from http:\/\/127\.0\.0\.1:\d+\/redirect to .*(loopback|unspecified|link-local)/ });
  // Two audit entries per URL: the redirect as answered, then the hop refused by address.
  const effects = await effectsOf(server, executionId);
  const expected = destinations.flatMap((_, i) => [statuses[i % statuses.length], 'address']);
  expect(effects.map((e) => e.refused ?? e.status)).toEqual([...expected, 200]);
  expect(bait.connections()).toBe(0);
  await expectContained(server, { tool: 'ssrf_redirect_private', note: `${destinations.length} redirects to private addresses refused at the redirected hop; 0 connections at the bait` });
});
