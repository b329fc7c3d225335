import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeholderFor } from '../../src/capabilities/egress/secrets.js';
import type { PersonaScope } from '../../src/service/index.js';
import { expectLocated, resultOf, runFixture, type ToolFixture } from '../helpers/capability-tools.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

// Secrets end to end (issue 14): the tool holds a placeholder (ctx.secret), the server puts the
// value in only on requests to the secret's hosts, and takes it back out of what a response
// reflects before the response enters the sandbox. `home` is the secret's host; `other` is a
// host the tools may fetch but the secret may not go to.
const CANARY = 'canary-Zq8Wm3Rt5Yp1Lx7Nv2';
const PLACEHOLDER = placeholderFor('API_TOKEN');

let engine: TestEngine;
let scope: PersonaScope;
let home: LoopbackServer;
let other: LoopbackServer;

beforeAll(async () => {
  home = await startLoopbackServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    if (req.url !== '/reflect') return void res.end('ok');
    // Every way a careless (or hostile) server echoes a credential back.
    res.setHeader('x-echo', auth);
    res.setHeader('x-echo-base64', Buffer.from(auth).toString('base64'));
    res.end(JSON.stringify({ auth, base64: Buffer.from(auth).toString('base64'), uri: encodeURIComponent(auth) }));
  });
  other = await startLoopbackServer((_req, res) => res.end('other'));
  engine = await startEngine(
    { capabilities: { fetch: { allow: ['127.0.0.1:*'] } }, secrets: { API_TOKEN: { env: 'TEST_API_TOKEN', hosts: [home.pattern] } } },
    { secretEnv: { TEST_API_TOKEN: CANARY } },
  );
  scope = engine.app.forPersona('default');
});
afterAll(async () => {
  await engine.close();
  await home.close();
  await other.close();
});

/** A tool that fetches `url` with `Authorization: Bearer <auth>` and returns what it got. */
function withAuth(name: string, auth: string, capabilities: ToolFixture['capabilities']): ToolFixture {
  return {
    name,
    capabilities,
    lines: [
      'export default async ({ url }: { url: string }, ctx: any) => {',
      `  const auth = ${auth};`,
      '  const res = await fetch(url, { headers: { authorization: "Bearer " + auth } });',
      '  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };',
      '};',
    ],
  };
}

const declared = () => ({ fetch: [home.pattern, other.pattern], secrets: ['API_TOKEN'] });

describe('a secret', () => {
  it("is put in, in place of its placeholder, on a request to its host; the tool never holds it", async () => {
    const before = home.received.length;
    const out = await runFixture(scope, withAuth('to_home', 'ctx.secret("API_TOKEN")', declared()), { url: home.url('/me') });
    expect(resultOf(out)).toMatchObject({ status: 200, body: 'ok' });
    expect(home.received.slice(before).map((r) => r.headers.authorization)).toEqual([`Bearer ${CANARY}`]);
    expect(JSON.stringify(out)).not.toContain(CANARY);
  });

  it('is refused on a request to another host the tool may fetch, naming the secret and its hosts', async () => {
    const tool = withAuth('to_other', 'ctx.secret("API_TOKEN")', declared());
    const message = expectLocated(await runFixture(scope, tool, { url: other.url('/x') }), tool, 'await fetch', 'CapabilityError');
    expect(message).toBe(
      `secret "API_TOKEN" may only be sent to ${home.pattern}, and this request goes to ${other.pattern}: ` +
        `send it only to those hosts, or the host must add "${other.pattern}" to secrets.API_TOKEN.hosts in its config`,
    );
    expect(other.received).toEqual([]);
  });

  it('is not available to a tool that did not declare it: ctx.secret throws where it is called', async () => {
    const tool = withAuth('undeclared_secret', 'ctx.secret("API_TOKEN")', { fetch: [home.pattern] });
    const message = expectLocated(await runFixture(scope, tool, { url: home.url('/me') }), tool, 'ctx.secret(', 'Error');
    expect(message).toMatch(/^ctx\.secret\("API_TOKEN"\): tool undeclared_secret does not declare this secret\. Add it to the tool's capabilities\.secrets/);
  });

  it('is not put in for a placeholder written by hand in a tool that did not declare it: the request is refused', async () => {
    const before = home.received.length;
    const tool = withAuth('forged_placeholder', JSON.stringify(PLACEHOLDER), { fetch: [home.pattern] });
    const message = expectLocated(await runFixture(scope, tool, { url: home.url('/me') }), tool, 'await fetch', 'CapabilityError');
    expect(message).toBe(`tool forged_placeholder uses secret "API_TOKEN" without declaring it: add "API_TOKEN" to its capabilities.secrets (the host must also configure it under secrets in its config)`);
    expect(home.received.length).toBe(before);
  });
});

describe('a response that reflects the secret', () => {
  it('reaches the tool with the placeholder in its place, in the body, the headers and base64', async () => {
    const out = await runFixture(scope, withAuth('reflected', 'ctx.secret("API_TOKEN")', declared()), { url: home.url('/reflect') });
    const got = resultOf(out) as { headers: Record<string, string>; body: string };
    expect(home.received.at(-1)!.headers.authorization).toBe(`Bearer ${CANARY}`);
    const body = JSON.parse(got.body) as { auth: string; base64: string; uri: string };
    expect(body.auth).toBe(`Bearer ${PLACEHOLDER}`);
    expect(body.uri).toBe(encodeURIComponent('Bearer ') + PLACEHOLDER);
    expect(got.headers['x-echo']).toBe(`Bearer ${PLACEHOLDER}`);
    // base64 is replaced where its characters encode only the secret's bytes: what is left
    // around the placeholder decodes to at most a character or two of it.
    for (const encoded of [body.base64, got.headers['x-echo-base64']!]) {
      expect(encoded).toContain(PLACEHOLDER);
      expect(Buffer.from(encoded.split(PLACEHOLDER).join(''), 'base64').toString('latin1')).not.toMatch(/canary|Zq8W|Nv2$/);
    }
    const seen = JSON.stringify(out);
    expect(seen).not.toContain(CANARY);
    // The secret's base64 at each of the three alignments it can have inside longer text.
    for (let offset = 0; offset < 3; offset++) expect(seen).not.toContain(Buffer.concat([Buffer.alloc(offset), Buffer.from(CANARY)]).toString('base64').slice(4, -4));
  });
});
