/**
 * Attack (SSRF): an allowed host, another port. The manifest names the good target as
 * `127.0.0.1:<port>` and `localhost` (which means ports 80 and 443); the tool asks for the
 * same hosts on the port where the bait listens, on 80, 443 and 65535, and for the good port
 * on another loopback address. A pattern names a host AND its ports: each must be refused as
 * not allowed, naming the pattern to add, and the bait sees no connection.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, effectsOf, expectRefusedThenControl, FETCH_EACH, gets, startSsrfScene, type FetchOutcome, type SsrfScene } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained } from './helpers/harness.js';

let scene: SsrfScene;
beforeAll(async () => {
  scene = await startSsrfScene({ allow: (good) => [good.pattern, 'localhost'] });
});
afterAll(() => scene.close());

it('a host allowed on one port is refused on every other port', async () => {
  const { server, bait, good } = scene;
  const p = bait.port;
  const urls = [`http://127.0.0.1:${p}/`, 'http://127.0.0.1/', 'https://127.0.0.1/', 'http://127.0.0.1:65535/', `http://localhost:${p}/`, `http://localhost:${good.port}/`, `http://[::1]:${good.port}/`, `http://127.0.0.2:${good.port}/`];
  await createOk(server, 'ssrf_ports', FETCH_EACH, { capabilities: { fetch: [good.pattern, 'localhost'] } });
  const { result, executionId } = await callOk<FetchOutcome[]>(server, 'ssrf_ports', gets([...urls, good.url()]));

  expectRefusedThenControl(result, { name: 'CapabilityError', message: /^fetch to \S+ is not allowed for tool ssrf_ports: the host does not allow it either/ });
  expect(result[0]!.message).toContain(`fetch to 127.0.0.1:${p} is not allowed`);
  const effects = await effectsOf(server, executionId);
  expect(effects.map((e) => e.refused ?? e.status)).toEqual([...urls.map(() => 'not allowed'), 200]);
  expect(bait.connections()).toBe(0);
  expect(good.received).toHaveLength(1);
  await expectContained(server, { tool: 'ssrf_ports', note: `${urls.length} allowed hosts on other ports (or the allowed port on other loopback addresses) refused; 0 connections at the bait` });
});
