/**
 * Each tenant quota refused with its own message (issue 19): it names the quota, its limit,
 * what the caller can do and the setting the host raises; and nothing of the refusal reaches
 * another tenant. One server, one tenant per quota, so that no quota's use counts for another.
 */
import http from 'node:http';
import path from 'node:path';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectHttp, startHttpServer, structured, text, type Connected, type Spawned } from './helpers/cli.js';
import { INITIALIZE } from './helpers/raw-http.js';
import { bearer, writeTenantConfig } from './helpers/tenants.js';
import { suiteTempDir } from './helpers/temp.js';

const SLOW = 'export default async (a: { ms: number }) => { await new Promise((r) => setTimeout(r, a.ms)); return "slept"; };';

describe('tenant quotas', () => {
  const { dir, remove } = suiteTempDir();
  let tokens: Record<string, string>;
  let server: Spawned & { url: string };
  const clients: Connected[] = [];
  const connect = async (tenant: string) => {
    const client = await connectHttp(server.url, bearer(tokens[tenant]!));
    clients.push(client);
    return client;
  };
  const errorOf = (result: Awaited<ReturnType<Connected['call']>>) => structured<{ error?: { code: string; message: string } }>(result).error;

  beforeAll(async () => {
    ({ tokens } = writeTenantConfig(dir, {
      t_tools: { quotas: { tools: 2 } },
      t_source: { quotas: { sourceBytes: 1024 } },
      t_rate: { quotas: { callsPerMinute: 3 } },
      t_conc: { quotas: { concurrentCalls: 2 } },
      t_log: { quotas: { logRows: 3 } },
      t_sessions: { quotas: { httpSessions: 2 } },
      other: {},
    }));
    server = await startHttpServer({ db: path.join(dir, 'c.db'), args: ['--config', path.join(dir, 'config.json')] });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    server?.kill();
    remove();
  });

  it('tools: the third create is refused naming tenants.t_tools.quotas.tools', async () => {
    const c = await connect('t_tools');
    for (const name of ['one', 'two']) expect((await c.call('create_tool', { name, description: 'd', code: 'export default () => 1' })).isError).toBeFalsy();
    const refused = await c.call('create_tool', { name: 'three', description: 'd', code: 'export default () => 1' });
    expect(refused.isError).toBe(true);
    expect(errorOf(refused)).toEqual({
      code: 'QUOTA_EXCEEDED',
      message:
        'Quota tools of tenant `t_tools` reached: it has 2 live tools (limit 2). Delete tools you no longer need (delete_tool), then create again. The host can raise tenants.t_tools.quotas.tools in the config file.',
    });
    // Deleting makes room, as the message says.
    expect((await c.call('delete_tool', { name: 'one' })).isError).toBeFalsy();
    expect((await c.call('create_tool', { name: 'three', description: 'd', code: 'export default () => 1' })).isError).toBeFalsy();
  });

  it('sourceBytes: create, update and edit past it are refused with the size and the limit', async () => {
    const c = await connect('t_source');
    const big = `export default () => ${JSON.stringify('x'.repeat(1100))};`;
    const created = await c.call('create_tool', { name: 'big', description: 'd', code: big });
    expect(text(created)).toBe(
      `Quota sourceBytes of tenant \`t_source\` reached: this tool's source is ${Buffer.byteLength(big)} bytes (limit 1024). Shorten the source or split the tool; move data into its arguments. The host can raise tenants.t_source.quotas.sourceBytes in the config file.`,
    );
    expect((await c.call('create_tool', { name: 'small', description: 'd', code: 'export default () => "abc";' })).isError).toBeFalsy();
    expect(errorOf(await c.call('update_tool', { name: 'small', code: big }))?.message).toMatch(/^Quota sourceBytes of tenant `t_source` reached: .* \(limit 1024\)/);
    const edited = await c.call('edit_tool', { name: 'small', edits: [{ old_string: '"abc"', new_string: JSON.stringify('y'.repeat(1100)) }] });
    expect(errorOf(edited)?.message).toMatch(/^Quota sourceBytes of tenant `t_source` reached: this tool's source is \d+ bytes \(limit 1024\)/);
    expect(structured(await c.call('small')).result).toBe('abc');
  });

  it('callsPerMinute: the fourth call in a minute is refused with when to retry; nothing is logged for it', async () => {
    const c = await connect('t_rate');
    expect((await c.call('create_tool', { name: 'echo', description: 'd', code: 'export default () => 1' })).isError).toBeFalsy();
    for (let i = 0; i < 3; i++) expect((await c.call('echo')).isError).toBeFalsy();
    const refused = errorOf(await c.call('run_tool', { name: 'echo', arguments: {} }));
    expect(refused?.code).toBe('QUOTA_EXCEEDED');
    expect(refused?.message).toMatch(
      /^Quota callsPerMinute of tenant `t_rate` reached: 3 calls started in the last 60 s \(limit 3\)\. Retry after ([1-9]|[1-5]\d|60) s; nothing was run or logged\. The host can raise tenants\.t_rate\.quotas\.callsPerMinute in the config file\.$/,
    );
    const log = structured<{ executions: unknown[] }>(await c.call('list_executions', {})).executions;
    expect(log).toHaveLength(3);
    // Meta-tools other than calls are not calls: the tenant can still read and fix its tools.
    expect((await c.call('get_tool', { name: 'echo' })).isError).toBeFalsy();
  });

  it('concurrentCalls: a third call while two run is refused at once, not queued', async () => {
    const c = await connect('t_conc');
    expect((await c.call('create_tool', { name: 'slow', description: 'd', code: SLOW })).isError).toBeFalsy();
    const running = [c.call('slow', { ms: 1500 }), c.call('slow', { ms: 1500 })];
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    const refused = errorOf(await c.call('slow', { ms: 10 }));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(refused?.message).toBe(
      'Quota concurrentCalls of tenant `t_conc` reached: 2 calls are in progress (limit 2). Wait for one of them to finish, then retry; nothing was run or logged. The host can raise tenants.t_conc.quotas.concurrentCalls in the config file.',
    );
    for (const done of await Promise.all(running)) expect(structured(done).result).toBe('slept');
    expect(structured(await c.call('slow', { ms: 10 })).result).toBe('slept');
  });

  it('logRows: once the log holds the quota, calls are refused saying how the host makes room', async () => {
    const c = await connect('t_log');
    expect((await c.call('create_tool', { name: 'echo', description: 'd', code: 'export default () => 1' })).isError).toBeFalsy();
    for (let i = 0; i < 3; i++) expect((await c.call('echo')).isError).toBeFalsy();
    expect(errorOf(await c.call('echo'))?.message).toBe(
      'Quota logRows of tenant `t_log` reached: its execution log holds 3 rows (limit 3). Calls are refused until old rows are pruned; retry later (nothing was run). The host can prune the log (retention.maxRowsPerPersona below the quota, or `chameleon logs prune`), or raise tenants.t_log.quotas.logRows in the config file.',
    );
  });

  it('httpSessions: a third session is refused with 429, Retry-After and the quota named', async () => {
    await connect('t_sessions');
    await connect('t_sessions');
    const refused = await post(server.url, tokens['t_sessions']!);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.body).error.message).toMatch(
      /^Quota httpSessions of tenant `t_sessions` reached: 2 sessions are open \(limit 2\)\. End sessions you no longer use \(DELETE \/mcp with their Mcp-Session-Id\), or retry after \d+ s, when an idle one expires\. The host can raise tenants\.t_sessions\.quotas\.httpSessions in the config file\.$/,
    );
    // Ending one (DELETE) frees its place.
    const ended = clients.pop()!;
    await (ended.client.transport as StreamableHTTPClientTransport).terminateSession();
    await ended.close();
    await vi.waitFor(() => connect('t_sessions'), { timeout: 5_000, interval: 100 });
  });

  it("another tenant's calls, tools and sessions are untouched by every refusal above", async () => {
    const c = await connect('other');
    expect((await c.call('create_tool', { name: 'echo', description: 'd', code: 'export default () => "fine"' })).isError).toBeFalsy();
    for (let i = 0; i < 5; i++) expect(structured(await c.call('echo')).result).toBe('fine');
    await connect('other');
    await connect('other');
  });
});

function post(url: string, token: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(INITIALIZE));
  });
}
