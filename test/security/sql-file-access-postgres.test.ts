/**
 * Realm escape through PostgreSQL: reading or writing the database server's files. As a role
 * that can only read (docs/writing-tools.md's advice), pg_read_file, pg_read_binary_file, pg_ls_dir and
 * lo_import are refused by the server's privileges, and COPY to or from a file by the cursor
 * every query runs in (DECLARE takes only a query). A role that could do these things (a
 * superuser, or a member of pg_read_server_files and kin) is refused as a datasource before
 * its first query: a READ ONLY transaction does not stop reads of files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postgresUnavailable, samplePostgres, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createCodeTool, createSqlTool, structured } from './helpers/sql-datasource.js';

const unavailable = postgresUnavailable();
if (unavailable !== null) console.warn(`Skipping the PostgreSQL file-access attacks: ${unavailable}.`);

let pgServer: TestPostgres;
let server: SecurityServer;
let configDir: string;
const written = path.join(os.tmpdir(), `chameleon-sec-copy-${process.pid}.csv`);

beforeAll(async () => {
  if (unavailable !== null) return;
  pgServer = await startPostgres();
  const { reader } = await samplePostgres(pgServer);
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sec-pg-'));
  const config = path.join(configDir, 'config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      datasources: {
        shop: { postgres: pgServer.url('shop').replace('chameleon@', `${reader.name}@`), password: { env: 'SHOP_READER_PASSWORD' } },
        admin: { postgres: pgServer.url('shop') },
      },
    }),
  );
  process.env['SHOP_READER_PASSWORD'] = reader.password;
  server = await startSecurityServer({ extraArgs: ['--config', config] });
}, 60_000);
afterAll(async () => {
  await server?.close();
  pgServer?.stop();
  if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  fs.rmSync(written, { force: true });
});

it.skipIf(unavailable !== null)('refuses the server-file functions to a role that can only read', async () => {
  const attempts = ["SELECT pg_read_file('/etc/passwd') AS f", "SELECT pg_read_binary_file('/etc/passwd') AS f", "SELECT pg_ls_dir('/') AS f", "SELECT lo_import('/etc/passwd') AS f", "SELECT pg_stat_file('/etc/passwd') AS f"];
  for (const [i, code] of attempts.entries()) {
    const made = await createSqlTool(server, `pg_file_${i}`, code);
    if (made['saved'] === true) {
      const run = structured(await server.call(`pg_file_${i}`, {}));
      expect(run, code).toMatchObject({ status: 'FAILURE', error: { kind: 'exception', message: expect.stringContaining('permission denied') } });
    } else {
      expect(made, code).toMatchObject({ saved: false, error: { message: expect.stringContaining('permission denied') } });
    }
  }
  await createCodeTool(server, 'pg_file_code', "export default async (_a: unknown, ctx: any) => (await ctx.sql.shop(\"SELECT pg_read_file('/etc/passwd') AS f\", {})).rows;", { sql: ['shop'] });
  expect(structured(await server.call('pg_file_code', {}))).toMatchObject({ status: 'FAILURE', error: { name: 'SqlError', message: expect.stringContaining('permission denied for function pg_read_file') } });
  await expectContained(server, { tool: 'pg_file_code', kind: 'exception' });
});

it.skipIf(unavailable !== null)('refuses COPY to and from files: a query is all a cursor takes', async () => {
  for (const [i, code] of [`COPY orders TO '${written}'`, "COPY orders FROM '/etc/passwd'", "COPY (SELECT 1) TO PROGRAM 'touch /tmp/pwned'"].entries()) {
    expect(await createSqlTool(server, `pg_copy_${i}`, code), code).toMatchObject({ saved: false, error: { kind: 'compile', message: expect.stringContaining('syntax error at or near "COPY"') } });
  }
  expect(fs.existsSync(written)).toBe(false);
});

it.skipIf(unavailable !== null)('refuses a superuser datasource outright, whatever the query', async () => {
  expect(await createSqlTool(server, 'as_superuser', "SELECT pg_read_file('/etc/passwd') AS f", 'admin')).toMatchObject({ saved: false, error: { message: expect.stringContaining('is a superuser') } });
  await expectContained(server, { tool: 'as_superuser' });
});
