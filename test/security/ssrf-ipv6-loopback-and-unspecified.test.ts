/**
 * Attack (SSRF): reach this machine over IPv6: the loopback `[::1]` in its long and short
 * forms, and the unspecified address `[::]`, which a connect() turns into the local host. The
 * bait listens dual-stack, so any of these would reach it (the test machine has ::1). Under a
 * ceiling of any host and port, each must be refused as the address it is, before connecting.
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

it('[::1] and [::] in every spelling are refused before connecting', async () => {
  const { server, bait, good } = scene;
  const p = bait.port;
  const hosts = ['[::1]', '[0:0:0:0:0:0:0:1]', '[0000::0001]', '[::0:1]', '[::]', '[0:0:0:0:0:0:0:0]'];
  const urls = [...hosts.map((h) => `http://${h}:${p}/`), good.url()];
  await createOk(server, 'ssrf_ipv6_local', FETCH_EACH, { capabilities: { fetch: ['*:*', good.pattern] } });
  const { result, executionId } = await callOk<FetchOutcome[]>(server, 'ssrf_ipv6_local', gets(urls));

  expectRefusedThenControl(result, { name: 'CapabilityError', message: /(the loopback address \(::1\)|the unspecified address \(::, which reaches this machine\))/ });
  expect(result.slice(0, 4).every((r) => /::1 is the loopback address/.test(r.message ?? ''))).toBe(true);
  expect(result.slice(4, 6).every((r) => /:: is the unspecified address/.test(r.message ?? ''))).toBe(true);
  const effects = await effectsOf(server, executionId);
  expect(effects.map((e) => e.refused ?? e.status)).toEqual([...hosts.map(() => 'address'), 200]);
  expect(bait.connections()).toBe(0);
  await expectContained(server, { tool: 'ssrf_ipv6_local', note: `${hosts.length} spellings of [::1] and [::] refused before connecting; 0 connections at the bait` });
});
