/**
 * Information leak: a PostgreSQL datasource on the database the store itself lives in (`--db
 * postgres://…`), whose tables hold every persona's tools, log and kv entries. Such a config stops
 * the server at start, whatever name the URL gives the same loopback host; a datasource on
 * another database of the same server is served (the control).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../unit/cli/program.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';

const why = postgresUnavailable();
let server: TestPostgres;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sec-pg-store-'));

beforeAll(async () => {
  if (why !== null) return;
  server = await startPostgres();
  await server.exec('postgres', 'CREATE DATABASE store');
  await server.exec('postgres', 'CREATE DATABASE shop');
});
afterAll(() => {
  server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function serveWith(datasourceUrl: string) {
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ datasources: { own: { postgres: datasourceUrl } } }));
  return spawnSync(process.execPath, ['--no-node-snapshot', path.join(ROOT, 'dist/cli.js'), 'serve', '--db', server.url('store'), '--config', config], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    input: '',
  });
}

describe.skipIf(why !== null)(`the store's own PostgreSQL database as a datasource${why === null ? '' : `: skipped, ${why}`}`, () => {
  it('stops the server at start, by any loopback name of its host', () => {
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      const run = serveWith(`postgres://reader:pw@${host}:${String(server.port)}/store`);
      expect(run.status, run.stderr).not.toBe(0);
      expect(run.stderr).toContain(`datasources.own: the database localhost:${String(server.port)}/store is Chameleon's own (--db)`);
      expect(run.stderr).not.toContain('pw@');
    }
  });

  it('serves a datasource on another database of the same server', () => {
    const run = serveWith(`postgres://reader:pw@127.0.0.1:${String(server.port)}/shop`);
    expect(run.stderr).not.toContain("is Chameleon's own");
    expect(run.status, run.stderr).toBe(0);
  });
});
