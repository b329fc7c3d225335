/**
 * Attack (SSRF): loopback written the ways an IPv4 parser may read but a naive check would
 * not: decimal (2130706433), octal (0177.0.0.1), hex (0x7f.1, 0x7f000001), short forms
 * (127.1, 127.0.1), percent-encoded digits and full-width digits, which the URL parser turns
 * into 127.0.0.1. The ceiling allows any host and port (`*:*`). The egress compares and checks
 * the host after the WHATWG URL parser's normalisation, so every form is the loopback address
 * it spells and is refused before connecting; the bait listening there sees nothing.
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

it('decimal, octal, hex, short, percent-encoded and full-width forms of 127.0.0.1 are all refused as loopback', async () => {
  const { server, bait, good } = scene;
  const p = bait.port;
  const hosts = ['2130706433', '0177.0.0.1', '0x7f.1', '0x7f000001', '017700000001', '127.1', '127.0.1', '0x7F.0.0.1', '%31%32%37.0.0.1', '\uff11\uff12\uff17.0.0.1', '0177.0x0.00.1'];
  const urls = [...hosts.map((h) => `http://${h}:${p}/`), good.url()];
  await createOk(server, 'ssrf_ipv4_forms', FETCH_EACH, { capabilities: { fetch: ['*:*', good.pattern] } });
  const { result, executionId } = await callOk<FetchOutcome[]>(server, 'ssrf_ipv4_forms', gets(urls));

  // Every message names the address the form spells, as the check saw it.
  expectRefusedThenControl(result, { name: 'CapabilityError', message: /127\.0\.0\.1 is a loopback address/ });
  const effects = await effectsOf(server, executionId);
  expect(effects.map((e) => e.refused ?? e.status)).toEqual([...hosts.map(() => 'address'), 200]);
  // The audit records the origin as normalised: the check and the record saw the same host.
  for (const e of effects.slice(0, -1)) expect(e.origin).toBe(`http://127.0.0.1:${p}`);
  expect(bait.connections()).toBe(0);
  await expectContained(server, { tool: 'ssrf_ipv4_forms', note: `${hosts.length} encodings of 127.0.0.1 refused before connecting; 0 connections at the bait` });
});
