import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { createToolFrom, expectLocated, resultOf, runFixture, type ToolFixture } from '../helpers/capability-tools.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { loopbackServer, startLoopbackServer } from '../helpers/loopback-server.js';

// What a tool's fetch may not do, end to end: each refusal is an error thrown at the agent's
// `await fetch` line (kind exception), named CapabilityError when a policy refused it, with a
// message that names the setting to change; and the refused server never sees a request.
let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine({ capabilities: { fetch: { allow: ['127.0.0.1:*'] } } });
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

/** A tool that fetches `url` (an argument) and returns what it got. */
function fetcher(name: string, manifest: string[], init = '{}'): ToolFixture {
  return {
    name,
    capabilities: { fetch: manifest },
    lines: [
      'export default async ({ url }: { url: string }) => {',
      `  const res = await fetch(url, ${init});`,
      '  return { status: res.status, url: res.url, redirected: res.redirected, location: res.headers.get("location"), body: await res.text() };',
      '};',
    ],
  };
}

describe('a fetch outside the policy', () => {
  it("is refused when the tool's manifest does not name the host, saying what to add", async () => {
    const mine = await loopbackServer((_req, res) => res.end());
    const other = await loopbackServer((_req, res) => res.end('secret stuff'));
    const tool = fetcher('not_in_manifest', [mine.pattern]);
    const message = expectLocated(await runFixture(scope, tool, { url: other.url('/x') }), tool, 'await fetch', 'CapabilityError');
    expect(message).toBe(`fetch to ${other.pattern} is not allowed for tool not_in_manifest: add "${other.pattern}" to its capabilities.fetch (the host allows: 127.0.0.1:*)`);
    expect(other.received).toEqual([]);
  });

  it('is refused once an update narrows the manifest (and again when it drops fetch)', async () => {
    const server = await loopbackServer((_req, res) => res.end('ok'));
    const elsewhere = await loopbackServer((_req, res) => res.end());
    const tool = fetcher('narrowed', [server.pattern, elsewhere.pattern]);
    expect(resultOf(await runFixture(scope, tool, { url: server.url() }))).toMatchObject({ status: 200, body: 'ok' });
    await scope.updateTool({ name: tool.name, capabilities: { fetch: [elsewhere.pattern] } });
    expect(expectLocated(await scope.runTool(tool.name, { url: server.url() }), tool, 'await fetch', 'CapabilityError')).toContain(`add "${server.pattern}" to its capabilities.fetch`);
    await scope.updateTool({ name: tool.name, capabilities: {} });
    expect(expectLocated(await scope.runTool(tool.name, { url: server.url() }), tool, 'await fetch', 'CapabilityError')).toContain('it declares no capabilities.fetch');
    expect(server.received).toHaveLength(1);
  });

  it("is refused by the host's ceiling when the config was lowered after the tool was made", async () => {
    const server = await loopbackServer((_req, res) => res.end('ok'));
    const tool = fetcher('ceiling_lowered', [server.pattern]);
    expect(resultOf(await runFixture(scope, tool, { url: server.url() }))).toMatchObject({ status: 200 });
    // The same database served under a narrower config: the manifest was allowed when written.
    const narrower = await startEngine({ capabilities: { fetch: { allow: ['127.0.0.1:1'] } } }, { dbPath: engine.dbPath });
    try {
      const out = await narrower.app.forPersona('default').runTool(tool.name, { url: server.url() });
      const message = expectLocated(out, tool, 'await fetch', 'CapabilityError');
      expect(message).toBe(
        `fetch to ${server.pattern} is not allowed for tool ceiling_lowered: its capabilities.fetch allows it but the host's config does not: ` +
          `the host must add "${server.pattern}" to capabilities.fetch.allow in its config (the host allows: 127.0.0.1:1)`,
      );
    } finally {
      await narrower.close();
    }
    expect(server.received).toHaveLength(1);
  });
});

describe('redirects', () => {
  it('are followed within the allow-list, across servers, and the tool sees where it ended', async () => {
    const end = await loopbackServer((_req, res) => res.end('arrived'));
    const start = await loopbackServer((req, res) => {
      if (req.url === '/first') res.writeHead(302, { location: '/second' }).end();
      else res.writeHead(307, { location: end.url('/last') }).end();
    });
    const tool = fetcher('redirect_within', [start.pattern, end.pattern]);
    expect(resultOf(await runFixture(scope, tool, { url: start.url('/first') }))).toEqual({ status: 200, url: end.url('/last'), redirected: true, location: null, body: 'arrived' });
    expect(start.received.map((r) => r.url)).toEqual(['/first', '/second']);
    expect(end.received.map((r) => r.url)).toEqual(['/last']);
  });

  it('out of the allow-list are refused at the line that fetched, naming both ends; the target sees nothing', async () => {
    const outside = await loopbackServer((_req, res) => res.end('internal'));
    const start = await loopbackServer((_req, res) => res.writeHead(302, { location: outside.url('/admin') }).end());
    const tool = fetcher('redirect_out', [start.pattern]);
    const message = expectLocated(await runFixture(scope, tool, { url: start.url('/go') }), tool, 'await fetch', 'CapabilityError');
    expect(message).toBe(
      `redirect (302) from ${start.url('/go')} to ${outside.url('/admin')}: fetch to ${outside.pattern} is not allowed for tool redirect_out: add "${outside.pattern}" to its capabilities.fetch (the host allows: 127.0.0.1:*)`,
    );
    expect(outside.received).toEqual([]);
  });

  it("are handed to the tool as they came with redirect: 'manual'", async () => {
    const outside = await loopbackServer((_req, res) => res.end());
    const start = await loopbackServer((_req, res) => res.writeHead(302, { location: outside.url('/there') }).end('moved'));
    const tool = fetcher('redirect_manual', [start.pattern], '{ redirect: "manual" }');
    expect(resultOf(await runFixture(scope, tool, { url: start.url('/here') }))).toEqual({ status: 302, url: start.url('/here'), redirected: false, location: outside.url('/there'), body: 'moved' });
    expect(outside.received).toEqual([]);
  });
});

describe('a network failure under an allowed manifest', () => {
  it('(connection refused) is a TypeError "fetch failed" at the line that fetched', async () => {
    // A port that was just listening and is now closed: nothing accepts there.
    const gone = await startLoopbackServer((_req, res) => res.end());
    await gone.close();
    const tool = fetcher('refused_connection', [gone.pattern]);
    const message = expectLocated(await runFixture(scope, tool, { url: gone.url() }), tool, 'await fetch', 'TypeError');
    expect(message).toMatch(/^fetch failed: .*ECONNREFUSED/);
    await createToolFrom(scope, { name: 'still_fine', lines: ['export default () => "fine";'] });
    expect(resultOf(await scope.runTool('still_fine', {}))).toBe('fine');
  });
});
