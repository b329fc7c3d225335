/**
 * Attack (SSRF): the cloud metadata services, where instance credentials are served:
 * 169.254.169.254 (AWS, GCP, Azure) as dotted, decimal, hex and octal, IPv4-mapped, and the
 * IPv6 endpoint fd00:ec2::254; ECS's 169.254.170.2; Alibaba's 100.100.100.200 (carrier-grade
 * NAT space). The ceiling allows any public host (`*`). Every one must be refused by the
 * address check, before a connection is tried: the audit records the refusal, and each
 * answer comes back at once instead of waiting on an unroutable connect.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, effectsOf, expectRefusedThenControl, FETCH_EACH, gets, startSsrfScene, type FetchOutcome, type SsrfScene } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained } from './helpers/harness.js';

let scene: SsrfScene;
beforeAll(async () => {
  scene = await startSsrfScene({ allow: (good) => ['*', good.pattern] });
});
afterAll(() => scene.close());

it('169.254.169.254 in every spelling and the other metadata endpoints are refused before connecting', async () => {
  const { server, good } = scene;
  const linkLocal = ['169.254.169.254', '2852039166', '0xa9fea9fe', '0251.0376.0251.0376', '0xa9.0xfe.0xa9.0xfe', '[::ffff:169.254.169.254]', '[::ffff:a9fe:a9fe]', '169.254.170.2'];
  const others = ['[fd00:ec2::254]', '100.100.100.200'];
  const urls = [...linkLocal, ...others].map((h) => `http://${h}/latest/meta-data/iam/security-credentials/`);
  await createOk(server, 'ssrf_metadata', FETCH_EACH, { capabilities: { fetch: ['*', good.pattern] } });
  const started = performance.now();
  const { result, executionId } = await callOk<FetchOutcome[]>(server, 'ssrf_metadata', gets([...urls, good.url()]));
  const elapsed = performance.now() - started;

  expectRefusedThenControl(result, { name: 'CapabilityError', message: /is not allowed for tool ssrf_metadata/ });
  for (const r of result.slice(0, linkLocal.length)) expect(r.message, r.url).toMatch(/is a link-local address \(169\.254\.0\.0\/16, where cloud metadata services answer\)/);
  expect(result[linkLocal.length]!.message).toMatch(/fd00:ec2::254 is a unique local address/);
  expect(result[linkLocal.length + 1]!.message).toMatch(/100\.100\.100\.200 is a carrier-grade NAT address/);
  const effects = await effectsOf(server, executionId);
  expect(effects.map((e) => e.refused ?? e.status)).toEqual([...urls.map(() => 'address'), 200]);
  // No connect was attempted: an unroutable one would wait for the call's deadline (5 s).
  expect(elapsed).toBeLessThan(4_000);
  await expectContained(server, { tool: 'ssrf_metadata', note: `${urls.length} metadata URLs refused before connecting, the call answered in ${Math.round(elapsed)} ms` });
});
