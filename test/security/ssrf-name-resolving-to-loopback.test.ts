/**
 * Attack (SSRF): reach loopback by name under a wildcard ceiling: `localhost` in several
 * spellings (it is loopback by definition, RFC 6761, never asked of DNS) and this machine's
 * own host name, which /etc/hosts resolves to 127.0.0.1 here. A wildcard pattern matches the
 * name, so only the address check stands between the tool and the bait: every address a name
 * resolves to is checked before connecting, and a name that resolves to a non-public address
 * is refused (the same rule that stops DNS rebinding).
 */
import dns from 'node:dns';
import os from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, effectsOf, expectRefusedThenControl, FETCH_EACH, gets, startSsrfScene, type FetchOutcome, type SsrfScene } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained } from './helpers/harness.js';

let scene: SsrfScene;
beforeAll(async () => {
  scene = await startSsrfScene();
});
afterAll(() => scene.close());

it('localhost and a host name that resolves to 127.0.0.1 are refused under a * ceiling', async () => {
  const { server, bait, good } = scene;
  const p = bait.port;
  const names = ['localhost', 'LOCALHOST', 'localhost.', 'LocalHost.'];
  // The machine's own name resolves to loopback on these machines (/etc/hosts); the test
  // says so rather than assuming it.
  const hostname = os.hostname().toLowerCase();
  const resolved = await dns.promises.lookup(hostname, { all: true });
  expect(resolved.map((a) => a.address)).toContain('127.0.0.1');
  const urls = [...names.map((n) => `http://${n}:${p}/`), `http://${hostname}:${p}/`, 'http://localhost/'];
  await createOk(server, 'ssrf_names', FETCH_EACH, { capabilities: { fetch: ['*:*', good.pattern] } });
  const { result, executionId } = await callOk<FetchOutcome[]>(server, 'ssrf_names', gets([...urls, good.url()]));

  expectRefusedThenControl(result, { name: 'CapabilityError', message: /resolves to (127\.0\.0\.1|::1), (a loopback address|the loopback address).*DNS rebinding/ });
  const effects = await effectsOf(server, executionId);
  expect(effects.map((e) => e.refused ?? e.status)).toEqual([...urls.map(() => 'address'), 200]);
  expect(bait.connections()).toBe(0);
  await expectContained(server, { tool: 'ssrf_names', note: `${urls.length} loopback names refused after resolving, before connecting; 0 connections at the bait` });
});
