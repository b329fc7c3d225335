/**
 * Tenants by token (issue 19) through the built CLI: `chameleon tenants add` writes only the
 * token's hash, and `serve --http` gives each token its own persona: tools, log and
 * tools/list_changed of one tenant never reach another's sessions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenSha256 } from '../../src/tenants/tokens.js';
import { connectHttp, spawnCli, startHttpServer, structured, waitFor, type Connected, type Spawned } from './helpers/cli.js';
import { rawPost } from './helpers/raw-http.js';
import { bearer, writeTenantConfig } from './helpers/tenants.js';
import { suiteTempDir } from './helpers/temp.js';

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawnCli(args);
  let stdout = '';
  run.child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  const { code } = await run.exited;
  return { code, stdout, stderr: run.stderr() };
}

describe('chameleon tenants and serve --http with tenants', () => {
  const { dir, remove } = suiteTempDir();
  const config = path.join(dir, 'server.json');
  const tokens: Record<string, string> = {};
  let server: Spawned & { url: string };
  const clients: Connected[] = [];
  const connect = async (tenant: string) => {
    const client = await connectHttp(server.url, bearer(tokens[tenant]!));
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // A config with settings of its own, which `tenants add` must keep.
    fs.writeFileSync(config, JSON.stringify({ limits: { defaultTimeoutMs: 4000 } }, null, 2));
    for (const [name, extra] of [['alpha', []], ['beta', ['--persona', 'beta_persona']]] as const) {
      const added = await cli(['tenants', 'add', name, ...extra, '--config', config]);
      expect(added.code, added.stderr).toBe(0);
      tokens[name] = added.stdout.trim();
    }
    server = await startHttpServer({ db: path.join(dir, 'c.db'), args: ['--config', config] });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    server?.kill();
    remove();
  });

  it('tenants add prints a token once and stores only its SHA-256, keeping the rest of the file', async () => {
    const text = fs.readFileSync(config, 'utf8');
    const file = JSON.parse(text);
    expect(file.limits).toEqual({ defaultTimeoutMs: 4000 });
    expect(file.tenants.alpha).toEqual({ tokenSha256: tokenSha256(tokens['alpha']!) });
    expect(file.tenants.beta).toEqual({ tokenSha256: tokenSha256(tokens['beta']!), persona: 'beta_persona' });
    for (const token of Object.values(tokens)) {
      expect(token).toMatch(/^chm_[A-Za-z0-9_-]{43}$/);
      expect(text).not.toContain(token);
    }
    // A file it creates is readable by its owner only: it decides who may call the server.
    const fresh = path.join(dir, 'fresh.json');
    expect((await cli(['tenants', 'add', 'gamma', '--config', fresh])).code).toBe(0);
    expect(fs.statSync(fresh).mode & 0o777).toBe(0o600);
    const listed = await cli(['tenants', 'list', '--config', config]);
    expect(listed.stdout).toMatch(/alpha\s+alpha\s/);
    expect(listed.stdout).toMatch(/beta\s+beta_persona\s/);
    for (const token of Object.values(tokens)) expect(listed.stdout + listed.stderr).not.toContain(token);
  });

  it('answers 401 without a tenant token, on loopback too, and serves each token', async () => {
    expect((await rawPost(server.url, {})).status).toBe(401);
    const wrong = await rawPost(server.url, { authorization: `Bearer ${tokens['alpha']!}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('Unauthorized: send the header `Authorization: Bearer <token>`.');
    expect((await rawPost(server.url, { authorization: `Bearer ${tokens['alpha']!}` })).status).toBe(200);
    expect(server.stderr()).toContain('"auth":"2 tenant token(s)"');
  });

  it('keeps tools, log and tools/list_changed of one tenant from the other', async () => {
    const alpha = await connect('alpha');
    const alphaWatcher = await connect('alpha');
    const beta = await connect('beta');
    const created = await alpha.call('create_tool', { name: 'alpha_secret', description: 'alpha only', code: 'export default () => "alpha-data"' });
    expect(created.isError, JSON.stringify(created)).toBeFalsy();
    expect(structured(await alpha.call('alpha_secret')).result).toBe('alpha-data');

    // alpha's other session hears of it; beta's never does.
    await waitFor(() => alphaWatcher.listChanged() > 0, 5_000, () => 'list_changed on the second alpha session');
    const betaCreated = await beta.call('create_tool', { name: 'beta_tool', description: 'beta only', code: 'export default () => 2' });
    expect(betaCreated.isError).toBeFalsy();
    await new Promise((r) => setTimeout(r, 600)); // past the 250 ms coalescing window of list_changed
    expect(beta.listChanged()).toBe(1); // its own create only
    const alphaHeard = alphaWatcher.listChanged();

    const betaTools = (await beta.client.listTools()).tools.map((t) => t.name);
    expect(betaTools).toContain('beta_tool');
    expect(betaTools).not.toContain('alpha_secret');
    expect((await alpha.client.listTools()).tools.map((t) => t.name)).not.toContain('beta_tool');
    expect(structured(await beta.call('alpha_secret')).error).toMatchObject({ code: 'TOOL_NOT_FOUND' });
    expect(structured(await beta.call('get_tool', { name: 'alpha_secret' })).error).toMatchObject({ code: 'TOOL_NOT_FOUND' });

    const alphaLog = structured<{ executions: Array<{ execution_id: string; tool: string }> }>(await alpha.call('list_executions', {})).executions;
    expect(alphaLog.map((e) => e.tool)).toContain('alpha_secret');
    const betaLog = structured<{ executions: Array<{ tool: string }> }>(await beta.call('list_executions', {})).executions;
    expect(betaLog.map((e) => e.tool)).not.toContain('alpha_secret');
    expect(structured(await beta.call('get_execution', { id: alphaLog[0]!.execution_id })).error).toMatchObject({ code: 'EXECUTION_NOT_FOUND' });
    expect(alphaWatcher.listChanged()).toBe(alphaHeard);
  });

  it('refuses to start when a tenant has the persona the host token serves', async () => {
    const clash = path.join(dir, 'clash.json');
    fs.writeFileSync(clash, JSON.stringify({ tenants: { ops: { tokenSha256: tokenSha256('t'.repeat(40)), persona: 'default' } } }));
    const run = await cli(['serve', '--http', '127.0.0.1:0', '--token', 'h'.repeat(40), '--db', path.join(dir, 'clash.db'), '--config', clash]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("tenants.ops: its persona default is the one the host's --token serves (--persona), without quotas");
  });

  it('tenants remove drops the entry and keeps the others', async () => {
    const copy = path.join(dir, 'copy.json');
    fs.copyFileSync(config, copy);
    const removed = await cli(['tenants', 'remove', 'alpha', '--config', copy]);
    expect(removed.code, removed.stderr).toBe(0);
    const file = JSON.parse(fs.readFileSync(copy, 'utf8'));
    expect(Object.keys(file.tenants)).toEqual(['beta']);
    expect(file.limits).toEqual({ defaultTimeoutMs: 4000 });
    const again = await cli(['tenants', 'remove', 'alpha', '--config', copy]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('No tenant "alpha" in the config file; its tenants are: beta.');
  });
});

describe('tenants in stateless mode (http.stateless)', () => {
  const { dir, remove } = suiteTempDir();
  let server: Spawned & { url: string };
  let tokens: Record<string, string>;
  const clients: Connected[] = [];
  beforeAll(async () => {
    ({ tokens } = writeTenantConfig(dir, { alpha: { quotas: { callsPerMinute: 2 } }, beta: {} }, { http: { stateless: true } }));
    server = await startHttpServer({ db: path.join(dir, 'c.db'), args: ['--config', path.join(dir, 'config.json')] });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    server?.kill();
    remove();
  });

  it('serves each token its own persona and quotas without sessions', async () => {
    const alpha = await connectHttp(server.url, bearer(tokens['alpha']!));
    const beta = await connectHttp(server.url, bearer(tokens['beta']!));
    clients.push(alpha, beta);
    expect((await alpha.call('create_tool', { name: 'only_alpha', description: 'd', code: 'export default () => "a"' })).isError).toBeFalsy();
    expect(structured(await beta.call('only_alpha')).error).toMatchObject({ code: 'TOOL_NOT_FOUND' });
    for (let i = 0; i < 2; i++) expect(structured(await alpha.call('only_alpha')).result).toBe('a');
    expect(structured(await alpha.call('only_alpha')).error).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(structured(await beta.call('get_tool', { name: 'only_alpha' })).error).toMatchObject({ code: 'TOOL_NOT_FOUND' });
  });
});
