/**
 * Attack (SSRF): a host that allows any public host (`*`, and here `*:*`, any port too) is
 * asked for its own loopback by IP literal, where a real HTTP server listens (the bait). A
 * wildcard means "the public internet": loopback is reachable only when the ceiling names it
 * exactly, so every form must be refused by the address check, before anything connects
 * (the audit says `refused: address`), with a CapabilityError that says why, and the bait
 * must see no connection at all. The same call fetches a target the ceiling names exactly:
 * it answers, so the refusals are the policy's.
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

it('a wildcard ceiling and manifest never reach 127.0.0.0/8, on any port', async () => {
  const { server, bait, good } = scene;
  const p = bait.port;
  const urls = [`http://127.0.0.1:${p}/`, 'http://127.0.0.1/', 'https://127.0.0.1/', `http://127.0.0.2:${p}/`, `http://127.255.255.254:${p}/`, `http://127.0.0.1.:${p}/`, good.url()];
  await createOk(server, 'ssrf_loopback', FETCH_EACH, { capabilities: { fetch: ['*:*', good.pattern] } });
  const { result, executionId } = await callOk<FetchOutcome[]>(server, 'ssrf_loopback', gets(urls));

  expectRefusedThenControl(result, { name: 'CapabilityError', message: /is a loopback address \(127\.0\.0\.0\/8\)/ });
  // Each refused by the address check, none sent: one audit entry per URL, the control's with its status.
  const effects = await effectsOf(server, executionId);
  expect(effects.map((e) => e.refused ?? e.status)).toEqual([...urls.slice(0, -1).map(() => 'address'), 200]);
  expect(bait.connections()).toBe(0);
  await expectContained(server, { tool: 'ssrf_loopback', note: `${urls.length - 1} loopback URLs refused before connecting; 0 connections at the bait` });
});
