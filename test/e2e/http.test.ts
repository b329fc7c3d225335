import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHttp, descendants, isRunning, startHttpServer, structured, text, waitFor, type Spawned } from './helpers/cli.js';
import { FIXED_MEAN, meanTool } from './helpers/fixtures.js';
import { rawPost } from './helpers/raw-http.js';
import { suiteTempDir } from './helpers/temp.js';

describe('chameleon serve --http on loopback', () => {
  const temp = suiteTempDir();
  let server: Spawned & { url: string };

  beforeAll(async () => {
    server = await startHttpServer({ db: path.join(temp.dir, 'c.db') });
  });
  afterAll(() => {
    server?.kill();
    temp.remove();
  });

  it('runs the self-healing loop, and a tool created in one session reaches another through list_changed', async () => {
    const watcher = await connectHttp(server.url);
    const agent = await connectHttp(server.url);
    try {
      expect(await watcher.client.listTools()).toMatchObject({ tools: expect.not.arrayContaining([expect.objectContaining({ name: 'mean_tool' })]) });

      expect(structured(await agent.call('create_tool', meanTool()))).toMatchObject({ saved: true, version: 1 });
      await waitFor(() => watcher.listChanged() > 0, 5_000, () => 'list_changed in the other session');
      expect((await watcher.client.listTools()).tools.map((t) => t.name)).toContain('mean_tool');

      const bad = await agent.call('mean_tool', { values: [] });
      expect(bad.isError).toBe(true);
      expect(text(bad)).toContain('at mean (mean_tool.ts:5:17)');
      const last = structured<Record<string, any>>(await agent.call('get_last_error', { tool_name: 'mean_tool' }));
      expect(last['error'].frames[0]).toMatchObject({ function: 'mean', line: 5, column: 17 });

      expect(structured(await agent.call('update_tool', { name: 'mean_tool', code: FIXED_MEAN }))).toMatchObject({ version: 2 });
      // The watcher's session runs the patched version too: one engine behind all sessions.
      expect(structured(await watcher.call('mean_tool', { values: [] }))).toMatchObject({ status: 'SUCCESS', version: 2, result: { mean: 0 } });
    } finally {
      await Promise.all([watcher.close(), agent.close()]);
    }
  });

  it('refuses a request from a foreign Origin with 403, and accepts its own origin', async () => {
    const foreign = await rawPost(server.url, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain('Origin');
    const own = await rawPost(server.url, { origin: new URL(server.url).origin });
    expect(own.status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding) with 403', async () => {
    const port = new URL(server.url).port;
    const rebound = await rawPost(server.url, { host: `evil.example:${port}` });
    expect(rebound.status).toBe(403);
    expect((await rawPost(server.url, { host: `localhost:${port}` })).status).toBe(200);
  });

  it('answers 404 for an unknown session and for any path but /mcp', async () => {
    const unknown = await rawPost(server.url, { 'mcp-session-id': 'no-such-session' }, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(unknown.status).toBe(404);
    expect((await rawPost(server.url.replace('/mcp', '/other'), {})).status).toBe(404);
  });

  it('on SIGTERM, lets a call in progress finish, exits 0 and leaves no sandbox processes', async () => {
    const agent = await connectHttp(server.url);
    const slow = 'export default function () {\n  const end = Date.now() + 800;\n  while (Date.now() < end) {}\n  return { finished: true };\n}';
    expect(structured(await agent.call('create_tool', { name: 'slow', description: 'takes 0.8 s', code: slow }))).toMatchObject({ saved: true });
    const tree = descendants(server.child.pid!);
    expect(tree.length).toBeGreaterThanOrEqual(2);

    const inProgress = agent.call('slow');
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill('SIGTERM');
    // The result comes back with its execution id: the log row was committed before shutdown.
    expect(structured(await inProgress)).toMatchObject({ status: 'SUCCESS', result: { finished: true }, execution_id: expect.stringMatching(/^ex_/) });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await waitFor(() => tree.every((pid) => !isRunning(pid)), 5_000, () => 'all processes under the server to end');
    expect(server.stderr()).toContain('shutting down (SIGTERM)');
  });
});
