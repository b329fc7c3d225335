/**
 * Attack (SSRF): URLs that read as one host to a person or a naive parser and as another to
 * the WHATWG parser: an allowed host as the user part (`http://allowed@bait/`), or after a
 * `#`, `?`, `/` or `\` that ends the authority before an `@` (`http://bait#@allowed/`). The
 * ceiling and manifest name only the good target, exactly. What must hold: the host that is
 * checked is the host that is connected to, the one the URL parser picks, so every such URL
 * either carries credentials (refused: fetch forbids them) or goes to the bait (refused: not
 * allowed). The bait sees no connection and the good target only the control request.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, effectsOf, FETCH_EACH, gets, startSsrfScene, type FetchOutcome, type SsrfScene } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained } from './helpers/harness.js';

let scene: SsrfScene;
beforeAll(async () => {
  scene = await startSsrfScene({ allow: (good) => [good.pattern] });
});
afterAll(() => scene.close());

it('an allowed host in the user part or behind #, ?, / or \\ never takes the request to the bait', async () => {
  const { server, bait, good } = scene;
  const allowed = good.pattern;
  const other = `127.0.0.1:${bait.port}`;
  // The URL parser reads these as the bait, with the allowed host as user, fragment, query or path.
  const toBait = [`http://${other}#@${allowed}/`, `http://${other}?@${allowed}/`, `http://${other}/@${allowed}/`, `http://${other}\\@${allowed}/`];
  // And these carry credentials: refused by Request in the realm before anything crosses.
  const withCredentials = [`http://${allowed}@${other}/`, `http://${allowed.replace(':', '%3A')}@${other}/`, `http://x:${allowed}@${other}/`, `http://${other}@${allowed}/`];
  const urls = [...toBait, ...withCredentials];
  await createOk(server, 'ssrf_userinfo', FETCH_EACH, { capabilities: { fetch: [allowed] } });
  const { result, executionId } = await callOk<FetchOutcome[]>(server, 'ssrf_userinfo', gets([...urls, good.url()]));

  for (const r of result.slice(0, toBait.length)) {
    expect(r, r.url).toMatchObject({ ok: false, name: 'CapabilityError', message: expect.stringContaining(`fetch to ${other} is not allowed for tool ssrf_userinfo`) });
  }
  for (const r of result.slice(toBait.length, urls.length)) {
    expect(r, r.url).toMatchObject({ ok: false, name: 'TypeError', message: 'Request cannot be constructed from a URL that includes credentials' });
  }
  expect(result[urls.length]).toMatchObject({ ok: true, status: 200, body: 'good' });
  // Only the URLs that crossed are audited: each refused as not allowed, then the control.
  const effects = await effectsOf(server, executionId);
  expect(effects.map((e) => e.refused ?? e.status)).toEqual([...toBait.map(() => 'not allowed'), 200]);
  expect(effects.slice(0, toBait.length).every((e) => e.origin === `http://${other}`)).toBe(true);
  expect(bait.connections()).toBe(0);
  expect(good.received.map((r) => r.url)).toEqual(['/']);
  await expectContained(server, { tool: 'ssrf_userinfo', note: `${toBait.length} authority confusions refused as the bait, ${withCredentials.length} URLs with credentials refused in the realm; 0 connections at the bait` });
});
