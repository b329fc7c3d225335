/**
 * Attack (SSRF): an IPv6 literal that carries an IPv4 loopback address: IPv4-mapped
 * (`[::ffff:127.0.0.1]`, `[::ffff:7f00:1]`, which a dual-stack socket connects to 127.0.0.1),
 * IPv4-compatible (`[::127.0.0.1]`), and the translation prefixes NAT64 (`64:ff9b::/96`),
 * 6to4 (`2002::/16`) and IPv4-translated (`::ffff:0:0:0/96`) whose gateway would forward to
 * the embedded address. A check that asks "is this IPv6 address loopback?" says no to all of
 * them; the egress reads the IPv4 address inside and refuses each as what it reaches.
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

it('IPv6 forms that embed 127.0.0.1 are refused as the IPv4 address they reach', async () => {
  const { server, bait, good } = scene;
  const p = bait.port;
  const mapped = ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[0:0:0:0:0:ffff:127.0.0.1]', '[::FFFF:7F00:0001]'];
  const embedded = ['[::127.0.0.1]', '[64:ff9b::7f00:1]', '[2002:7f00:1::]', '[::ffff:0:7f00:1]'];
  const urls = [...mapped, ...embedded].map((h) => `http://${h}:${p}/`);
  await createOk(server, 'ssrf_mapped', FETCH_EACH, { capabilities: { fetch: ['*:*', good.pattern] } });
  const { result, executionId } = await callOk<FetchOutcome[]>(server, 'ssrf_mapped', gets([...urls, good.url()]));

  expectRefusedThenControl(result, { name: 'CapabilityError', message: /is not allowed for tool ssrf_mapped/ });
  // Mapped addresses are compared as the IPv4 address itself; the others name the route to it.
  for (const r of result.slice(0, mapped.length)) expect(r.message, r.url).toMatch(/127\.0\.0\.1 is a loopback address/);
  expect(result[mapped.length + 1]!.message).toMatch(/a NAT64 address that reaches 127\.0\.0\.1, a loopback address/);
  expect(result[mapped.length + 2]!.message).toMatch(/a 6to4 address that reaches 127\.0\.0\.1, a loopback address/);
  const effects = await effectsOf(server, executionId);
  expect(effects.map((e) => e.refused ?? e.status)).toEqual([...urls.map(() => 'address'), 200]);
  expect(bait.connections()).toBe(0);
  await expectContained(server, { tool: 'ssrf_mapped', note: `${urls.length} IPv6 forms embedding 127.0.0.1 refused before connecting; 0 connections at the bait` });
});
