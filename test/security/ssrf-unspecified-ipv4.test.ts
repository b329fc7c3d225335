/**
 * Attack (SSRF): `0.0.0.0` and its short forms (`0`, `0x0`, `0.0`). Linux connects a socket
 * addressed to 0.0.0.0 to the local host, so a check that knows only 127.0.0.0/8 as "this
 * machine" lets it through to every service listening on any address (the bait here listens
 * on all of them). The egress treats 0.0.0.0/8 as this machine and refuses it.
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

it('0.0.0.0 in every spelling is refused as the unspecified address', async () => {
  const { server, bait, good } = scene;
  const p = bait.port;
  const hosts = ['0.0.0.0', '0', '0x0', '0.0', '00.00.00.00', '0.0.0.1'];
  const urls = hosts.map((h) => `http://${h}:${p}/`);
  await createOk(server, 'ssrf_zero', FETCH_EACH, { capabilities: { fetch: ['*:*', good.pattern] } });
  const { result, executionId } = await callOk<FetchOutcome[]>(server, 'ssrf_zero', gets([...urls, good.url()]));

  expectRefusedThenControl(result, { name: 'CapabilityError', message: /0\.0\.0\.[01] is an unspecified address \(0\.0\.0\.0\/8, which reaches this machine\)/ });
  const effects = await effectsOf(server, executionId);
  expect(effects.map((e) => e.refused ?? e.status)).toEqual([...urls.map(() => 'address'), 200]);
  expect(bait.connections()).toBe(0);
  await expectContained(server, { tool: 'ssrf_zero', note: `${hosts.length} spellings of 0.0.0.0/8 refused before connecting; 0 connections at the bait` });
});
