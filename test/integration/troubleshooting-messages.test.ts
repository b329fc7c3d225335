/**
 * Every message docs/troubleshooting.md quotes in a ```message block is still what Chameleon
 * prints (issue 20). Each block is made for real here: a real engine with sandbox processes, the
 * real CLI over HTTP, another process holding the write lock, a tmpfs that is full (when this
 * runs as root; otherwise that one is composed from the store's own advice, as the test says).
 * A broken isolated-vm is a copy of dist/ beside a node_modules whose isolated-vm throws on load.
 * Of two messages only one can be made at a time (a memory bomb stopped by the isolate or by the
 * process's memory cap): the other is checked against the function that words it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import type { RunOutcome } from '../../src/service/index.js';
import { deathFault } from '../../src/sandbox-host/pool-faults.js';
import { EXIT_RSS_CAP, type RunJob } from '../../src/sandbox-host/protocol.js';
import { openStore } from '../../src/store/index.js';
import { openStoreAt } from '../../src/store/open.js';
import { tenantEngineConfig } from '../../src/tenants/effective-config.js';
import { createTenantCounters } from '../../src/tenants/quota-counters.js';
import { TenantSchema } from '../../src/tenants/schema.js';
import { tenantScope } from '../../src/tenants/scope.js';
import { adviceFor, toStoreError } from '../../src/store/guard.js';
import { BIN, spawnCli, startHttpServer } from '../e2e/helpers/cli.js';
import { rawPost } from '../e2e/helpers/raw-http.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { holdWriteLock } from '../helpers/lock-holder.js';
import { freePort, postgresUnavailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { allText, connectInMemory } from '../helpers/mcp-client.js';
import { tempDir } from '../helpers/temp-dir.js';

const DOC = fs.readFileSync(new URL('../../docs/troubleshooting.md', import.meta.url), 'utf8');

/** The ```message <id> blocks of the page: id -> the message, `…` marking what varies. */
const QUOTED = new Map([...DOC.matchAll(/^```message ([\w-]+)\n([\s\S]*?)\n```$/gm)].map((m) => [m[1]!, m[2]!]));

/** Whether `actual` contains the quoted message, each `…` standing for any text. */
function says(actual: string, id: string): void {
  const quoted = QUOTED.get(id);
  expect(quoted, `docs/troubleshooting.md has no message block "${id}"`).toBeDefined();
  const pattern = quoted!
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*?');
  expect(new RegExp(pattern).test(actual), `docs/troubleshooting.md "${id}" is no longer what Chameleon prints.\nquoted:  ${quoted}\nprinted: ${actual}`).toBe(true);
}

const failureMessage = (outcome: RunOutcome): string => {
  expect(outcome.ok, JSON.stringify(outcome)).toBe(false);
  return outcome.ok ? '' : outcome.failure.message;
};

async function thrownMessage(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    const value = typeof promise === 'function' ? promise() : await promise;
    const failed = value as { ok?: boolean; failure?: { message: string } };
    if (failed?.ok === false && failed.failure) return failed.failure.message;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

/** Every id the tests below check; the page must quote exactly these. */
const CHECKED = [
  'sandbox-restart',
  'sandbox-ended',
  'bin-missing',
  'tool-not-found',
  'lock-wait',
  'disk-full',
  'newer-schema',
  'cpu-timeout',
  'wall-deadline',
  'timeout-advice',
  'memory',
  'memory-process',
  'http-401',
  'http-no-token',
  'http-403-origin',
  'http-403-host',
  'http-404-session',
  'http-404-path',
  'capability-secret',
  'capability-fetch',
  'fetch-refused',
  'secret-unset',
  'pg-refused',
  'pg-store-refused',
  'pg-store-password',
  'pg-store-no-password',
  'pg-store-role',
  'pg-store-no-database',
  'pg-store-create-denied',
  'pg-store-newer-schema',
  'quota-tools',
  'quota-source-bytes',
  'quota-calls-per-minute',
  'quota-concurrent-calls',
  'quota-log-rows',
  'quota-http-sessions',
];

it('the page quotes exactly the messages this file checks', () => {
  expect([...QUOTED.keys()].sort()).toEqual([...CHECKED].sort());
});

describe('installing', () => {
  it('sandbox-restart and sandbox-ended: a build whose isolated-vm does not load', () => {
    // A copy of dist/ beside a node_modules that is the real one except for isolated-vm, which
    // throws on load as a failed or foreign build does. Node resolves the worker's import from
    // the copy's real path, so only this server's sandbox processes see the broken package.
    const dir = tempDir();
    fs.cpSync(path.resolve('dist'), path.join(dir, 'dist'), { recursive: true });
    const modules = path.join(dir, 'node_modules');
    fs.mkdirSync(modules);
    const real = fs.realpathSync(path.resolve('node_modules'));
    for (const entry of fs.readdirSync(real)) if (entry !== 'isolated-vm') fs.symlinkSync(path.join(real, entry), path.join(modules, entry));
    fs.mkdirSync(path.join(modules, 'isolated-vm'));
    fs.writeFileSync(path.join(modules, 'isolated-vm', 'package.json'), '{"name":"isolated-vm","version":"5.0.4","main":"index.js"}');
    fs.writeFileSync(path.join(modules, 'isolated-vm', 'index.js'), 'throw new Error("Cannot find module ./out/isolated_vm.node");');
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    fs.writeFileSync(
      path.join(dir, 'try.mjs'),
      [
        "import { createChameleon } from './dist/service/index.js';",
        "import { parseConfig } from './dist/config.js';",
        "import { createStderrLogger } from './dist/logger.js';",
        // Three failed starts (at most 10 s), to see the backoff between them.
        'let failedStarts = 0;',
        "const logger = createStderrLogger('info', (line) => { if (line.includes('could not start a sandbox process')) failedStarts += 1; process.stderr.write(line); });",
        `const app = await createChameleon({ config: parseConfig({ dbPath: ${JSON.stringify(path.join(dir, 'x.db'))}, sandbox: { processes: 1 } }), logger });`,
        "const made = await app.forPersona('default').createTool({ name: 'one', description: 'd', code: 'export default () => 1;' });",
        "process.stdout.write(made.ok ? 'saved' : made.failure.message);",
        'for (let waited = 0; failedStarts < 3 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));',
        'await app.close();',
      ].join('\n'),
    );
    const run = spawnSync(process.execPath, [path.join(dir, 'try.mjs')], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toContain('Cannot find module ./out/isolated_vm.node');
    says(run.stderr, 'sandbox-restart');
    says(run.stdout, 'sandbox-ended');
    // Not a tight loop of forks: each failed start waits twice as long as the one before.
    expect([...run.stderr.matchAll(/retrying in (\d+) ms/g)].map((m) => Number(m[1])).slice(0, 3)).toEqual([250, 500, 1000]);
  });

  it('bin-missing: the launcher without dist/ beside it', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.copyFileSync(BIN, path.join(dir, 'bin', 'chameleon.js'));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    const run = spawnSync(process.execPath, [path.join(dir, 'bin', 'chameleon.js'), 'serve'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    says(run.stderr, 'bin-missing');
  });
});

describe('on a real engine', () => {
  let engine: TestEngine;
  let upstream: LoopbackServer;
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };

  beforeAll(async () => {
    upstream = await startLoopbackServer((_req, res) => res.end('ok'));
    engine = await startEngine(
      {
        store: { lockWaitMs: 300 },
        capabilities: { fetch: { allow: ['127.0.0.1:*'] } },
        secrets: { API_KEY: { env: 'CHAMELEON_DOCS_UNSET', hosts: ['127.0.0.1'] } },
        datasources: { warehouse: { postgres: 'postgres://reader@127.0.0.1:1/warehouse' } },
      },
      { logger, secretEnv: {} },
    );
  });
  afterAll(async () => {
    await engine?.close();
    await upstream?.close();
  });
  const scope = () => engine.app.forPersona('default');
  const create = async (name: string, code: string, extra: Record<string, unknown> = {}) => {
    const made = await scope().createTool({ name, description: `troubleshooting ${name}`, code, ...extra });
    expect(made.ok, made.ok ? '' : made.failure.message).toBe(true);
  };

  it('tool-not-found: run_tool with a name that does not exist', async () => {
    const client = await connectInMemory(engine);
    try {
      const out = await client.call('run_tool', { name: 'not_there', arguments: {} });
      expect(out.isError).toBe(true);
      says(allText(out), 'tool-not-found');
    } finally {
      await client.close();
    }
  });

  it('lock-wait: another process holds the write lock past store.lockWaitMs', async () => {
    await create('echo', 'export default (a: unknown) => a;');
    const lock = await holdWriteLock(engine.dbPath);
    try {
      says(await thrownMessage(scope().runTool('echo', { n: 1 })), 'lock-wait');
    } finally {
      await lock.release();
    }
  });

  it('cpu-timeout and timeout-advice: a loop that never ends', { retry: 2 }, async () => {
    await create('spin', 'export default () => { for (;;) {} };', { timeoutMs: 200 }).catch(() => undefined);
    const out = await scope().runTool('spin', {});
    says(failureMessage(out), 'cpu-timeout');
    says(out.ok ? '' : out.advice, 'timeout-advice');
  });

  it('wall-deadline: a promise that never settles', async () => {
    await create('hang', 'export default async () => { await new Promise(() => {}); };', { timeoutMs: 300 });
    says(failureMessage(await scope().runTool('hang', {})), 'wall-deadline');
  });

  // Which of the two stops a bomb depends on how fast it allocates against the load of the
  // machine: the one that stopped it is checked for real, the other against pool-faults.ts.
  it('memory and memory-process: a heap that grows without bound', async () => {
    await create('hoard', 'export default () => { const a: string[] = []; for (;;) a.push("x".repeat(1000) + Math.random()); };', { memoryMb: 16, timeoutMs: 10_000 });
    const message = failureMessage(await scope().runTool('hoard', {}));
    const byProcess = message.startsWith('The sandbox process passed its memory cap');
    says(message, byProcess ? 'memory-process' : 'memory');
    if (!byProcess) says(deathFault({ timeoutMs: 10_000, memoryMb: 16 } as RunJob, 1, null, EXIT_RSS_CAP, null).message, 'memory-process');
  });

  it('capability-secret and capability-fetch: a manifest beyond the config', async () => {
    says(await thrownMessage(scope().createTool({ name: 'needs_secret', description: 'd', code: 'export default () => 1;', capabilities: { secrets: ['GITHUB_TOKEN'] } })), 'capability-secret');
    says(await thrownMessage(scope().createTool({ name: 'needs_host', description: 'd', code: 'export default () => 1;', capabilities: { fetch: ['api.example.com'] } })), 'capability-fetch');
  });

  it('fetch-refused: a fetch to a host the tool did not declare', async () => {
    await create('fetcher', 'export default async ({ url }: { url: string }) => (await fetch(url)).status;', { capabilities: { fetch: ['127.0.0.1:1'] } });
    says(failureMessage(await scope().runTool('fetcher', { url: upstream.url('/') })), 'fetch-refused');
    expect(upstream.received).toEqual([]);
  });

  it('secret-unset: a configured secret whose variable is empty', () => {
    expect(warnings.length).toBeGreaterThan(0);
    says(warnings.join('\n'), 'secret-unset');
  });

  it('pg-refused: a SQL tool on a PostgreSQL datasource nobody listens for', async () => {
    says(await thrownMessage(scope().createTool({ name: 'orders', description: 'd', language: 'sql', datasource: 'warehouse', code: 'SELECT 1 AS one' })), 'pg-refused');
  });
});

describe('tenant quotas', () => {
  // Tenants' scopes on a real engine, as `serve --http` makes them (mcp/tenants.ts); the HTTP
  // path of each refusal is test/e2e/tenant-quotas.test.ts.
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startEngine();
  });
  afterAll(() => engine?.close());
  const tenant = (name: string, quotas: Record<string, number>) => {
    const config = TenantSchema.parse({ tokenSha256: '0'.repeat(64), quotas });
    const engineConfig = tenantEngineConfig(engine.app.config, config);
    const counters = createTenantCounters(name, config.quotas);
    const scope = tenantScope(engine.app.forPersona(name, engineConfig), counters, { maxToolsPerPersona: engineConfig.limits.maxToolsPerPersona, maxSourceBytes: engineConfig.payload.maxSourceBytes });
    return { scope, counters };
  };
  const ok = async (made: Promise<{ ok: boolean }>) => expect((await made).ok).toBe(true);

  it('quota-tools, quota-source-bytes: writes past a tenant quota', async () => {
    const { scope } = tenant('docs_tools', { tools: 1, sourceBytes: 1024 });
    await ok(scope.createTool({ name: 'one', description: 'd', code: 'export default () => 1;' }));
    says(await thrownMessage(scope.createTool({ name: 'two', description: 'd', code: 'export default () => 2;' })), 'quota-tools');
    says(await thrownMessage(scope.updateTool({ name: 'one', code: `export default () => ${JSON.stringify('x'.repeat(2000))};` })), 'quota-source-bytes');
  });

  it('quota-calls-per-minute, quota-concurrent-calls, quota-log-rows: calls past a tenant quota', async () => {
    const rate = tenant('docs_rate', { callsPerMinute: 1 });
    await ok(rate.scope.createTool({ name: 'echo', description: 'd', code: 'export default () => 1;' }));
    await ok(rate.scope.runTool('echo', {}));
    says(await thrownMessage(rate.scope.runTool('echo', {})), 'quota-calls-per-minute');

    const busy = tenant('docs_busy', { concurrentCalls: 1 });
    await ok(busy.scope.createTool({ name: 'slow', description: 'd', code: 'export default async () => { await new Promise((r) => setTimeout(r, 500)); return 1; };' }));
    const running = busy.scope.runTool('slow', {});
    says(await thrownMessage(busy.scope.runTool('slow', {})), 'quota-concurrent-calls');
    await ok(running);

    const log = tenant('docs_log', { logRows: 1 });
    await ok(log.scope.createTool({ name: 'echo', description: 'd', code: 'export default () => 1;' }));
    await ok(log.scope.runTool('echo', {}));
    says(await thrownMessage(log.scope.runTool('echo', {})), 'quota-log-rows');
  });

  it('quota-http-sessions: a session past a tenant quota', () => {
    const { counters } = tenant('docs_sessions', { httpSessions: 1 });
    expect('release' in counters.reserveSession(() => 60)).toBe(true);
    const refused = counters.reserveSession(() => 60);
    says('message' in refused ? refused.message : '', 'quota-http-sessions');
  });
});

describe('the store', () => {
  it('newer-schema: a file written by a newer build', () => {
    const file = path.join(tempDir(), 'newer.db');
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    says(
      (() => {
        try {
          openStore(file).close();
          return '';
        } catch (error) {
          expect(isAppError(error) && error.code).toBe('STORE_FAILURE');
          return (error as Error).message;
        }
      })(),
      'newer-schema',
    );
  });

  // A real full disk needs a tmpfs mount, hence root. Elsewhere the message is composed the way
  // the store composes it, from SQLite's own words for SQLITE_FULL.
  const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-docs-full-'));
  let mounted = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    mounted = true;
  } catch {
    // not root
  }
  afterAll(() => {
    if (mounted) execFileSync('umount', ['-l', mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });

  it(`disk-full: ${mounted ? 'a tmpfs filled to the last byte' : 'composed from the store advice (not root: no tmpfs)'}`, async () => {
    if (!mounted) {
      const error = toStoreError('record the execution', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
      says(`The call ran, but its log row could not be written; the result is withheld so the log stays complete. ${error.message}`, 'disk-full');
      expect(error.message).toContain(adviceFor({ code: 'SQLITE_FULL' }));
      return;
    }
    const engine = await startEngine({ store: { lockWaitMs: 0 } }, { dbPath: path.join(mountPoint, 'x.db') });
    try {
      const scope = engine.app.forPersona('default');
      expect((await scope.createTool({ name: 'double', description: 'Doubles.', code: 'export default (a: { n: number }) => a.n * 2;' })).ok).toBe(true);
      expect(await scope.runTool('double', { n: 1 })).toMatchObject({ ok: true });
      const fd = fs.openSync(path.join(mountPoint, 'filler'), 'w');
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(64 * 1024, 1));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        fs.closeSync(fd);
      }
      // The WAL may still have room for a few rows: call until the log cannot be written.
      let message = '';
      for (let i = 0; i < 200 && message === ''; i++) {
        message = await scope.runTool('double', { n: i, pad: 'x'.repeat(4000) }).then(
          () => '',
          (error: unknown) => (error as Error).message,
        );
      }
      says(message, 'disk-full');
    } finally {
      await engine.close();
    }
  });
});

describe('the PostgreSQL store', () => {
  /** What `chameleon serve --db URL` prints when it cannot open the store; it must exit 1 and write nothing on stdout. */
  async function serveFails(db: string, env: Record<string, string> = {}): Promise<string> {
    const server = spawnCli(['serve', '--db', db], env);
    try {
      let stdout = '';
      server.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      expect((await server.exited).code, server.stderr()).toBe(1);
      expect(stdout).toBe('');
      return server.stderr();
    } finally {
      server.kill();
    }
  }

  it('pg-store-refused: a port nobody listens on', async () => {
    says(await serveFails(`postgres://chameleon@127.0.0.1:${String(await freePort())}/chameleon`), 'pg-store-refused');
  });

  // A cluster that asks for passwords over TCP, as a real server does.
  describe.skipIf(postgresUnavailable() !== null)('on a real server', () => {
    let server: TestPostgres;
    let at = '';
    beforeAll(async () => {
      server = await startPostgres({ passwords: true });
      at = `127.0.0.1:${String(server.port)}`;
      await server.exec('postgres', "CREATE ROLE app LOGIN PASSWORD 'app-pw'; CREATE ROLE viewer NOLOGIN PASSWORD 'viewer-pw'");
      await server.exec('postgres', 'CREATE DATABASE chameleon OWNER app');
      await server.exec('postgres', 'CREATE DATABASE not_owned');
    });
    afterAll(() => server?.stop());

    it('pg-store-password and pg-store-no-password: a wrong password, and none', async () => {
      says(await serveFails(`postgres://app:wrong@${at}/chameleon`), 'pg-store-password');
      says(await serveFails(`postgres://app@${at}/chameleon`), 'pg-store-no-password');
    });

    it('pg-store-role: a role that may not log in', async () => {
      says(await serveFails(`postgres://viewer:viewer-pw@${at}/chameleon`), 'pg-store-role');
    });

    it('pg-store-no-database: a database never created', async () => {
      says(await serveFails(`postgres://app@${at}/missing`, { PGPASSWORD: 'app-pw' }), 'pg-store-no-database');
    });

    it('pg-store-create-denied: a role that does not own the database, at the first start', async () => {
      says(await serveFails(`postgres://app@${at}/not_owned`, { PGPASSWORD: 'app-pw' }), 'pg-store-create-denied');
    });

    it('pg-store-newer-schema: a database a newer build migrated', async () => {
      await (await openStoreAt(server.url('chameleon', { name: 'app', password: 'app-pw' }), { postgres: { env: {} } })).close();
      await server.exec('chameleon', "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', '2099-01-01T00:00:00.000Z')");
      says(await serveFails(`postgres://app@${at}/chameleon`, { PGPASSWORD: 'app-pw' }), 'pg-store-newer-schema');
    });
  });
});

describe('HTTP', () => {
  it('http-403-origin, http-403-host, http-404-session, http-404-path: a loopback server', async () => {
    const server = await startHttpServer({ db: path.join(tempDir(), 'h.db') });
    try {
      const body = (r: { body: string }) => (JSON.parse(r.body) as { error: { message: string } }).error.message;
      const origin = await rawPost(server.url, { origin: 'http://evil.example' });
      expect(origin.status).toBe(403);
      says(body(origin), 'http-403-origin');
      const host = await rawPost(server.url, { host: 'evil.example' });
      expect(host.status).toBe(403);
      says(body(host), 'http-403-host');
      const session = await rawPost(server.url, { 'mcp-session-id': 'gone' }, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
      expect(session.status).toBe(404);
      says(body(session), 'http-404-session');
      const wrongPath = await rawPost(server.url.replace(/\/mcp$/, '/sse'), {});
      expect(wrongPath.status).toBe(404);
      says(body(wrongPath), 'http-404-path');
    } finally {
      server.kill();
    }
  });

  it('http-401: a server with a token, asked without one', async () => {
    const server = await startHttpServer({ db: path.join(tempDir(), 'h.db'), env: { CHAMELEON_TOKEN: 'docs-token' } });
    try {
      const missing = await rawPost(server.url, {});
      expect(missing.status).toBe(401);
      says((JSON.parse(missing.body) as { error: { message: string } }).error.message, 'http-401');
    } finally {
      server.kill();
    }
  });

  it('http-no-token: serving beyond loopback without a token', async () => {
    const server = spawnCli(['serve', '--db', path.join(tempDir(), 'h.db'), '--http', '0.0.0.0:0']);
    try {
      expect((await server.exited).code).toBe(2);
      says(server.stderr(), 'http-no-token');
    } finally {
      server.kill();
    }
  });
});
