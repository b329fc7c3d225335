/**
 * The PostgreSQL log stores (executions, kv, failure groups, retention) on a fresh database of a
 * test cluster (postgres.ts), with migration 2 applied. `tools` is a minimal table of the columns
 * lastStatusByTool() reads, until pgtools' migration 1 is on main.
 */
import pg from 'pg';
import { onTestFinished } from 'vitest';

import { DEFAULT_KV_QUOTAS } from '../../src/model.js';
import type { NamespaceQuotas } from '../../src/store/kv-writes.js';
import { createPgExecutionStore } from '../../src/store/postgres/executions.js';
import { createPgFailureGroupStore } from '../../src/store/postgres/failure-groups.js';
import type { GroupCommitOptions } from '../../src/store/postgres/group-commit.js';
import { createPgKvStore } from '../../src/store/postgres/kv.js';
import { logMigration } from '../../src/store/postgres/migrations/002-log.js';
import { createPgRetentionStore } from '../../src/store/postgres/retention.js';
import type { TestPostgres } from './postgres.js';

const TOOLS_FOR_TESTS = `
  CREATE TABLE tools (
    id bigserial PRIMARY KEY, persona text NOT NULL, name text NOT NULL, active_version integer NOT NULL,
    created_at text NOT NULL, updated_at text NOT NULL, deleted_at text, UNIQUE (persona, name));
`;

let databases = 0;

/** A new database on `server` with the log's schema, and a pool on it closed when the test ends. */
export async function logDatabase(server: TestPostgres): Promise<{ pool: pg.Pool; url: string }> {
  databases += 1;
  const name = `log_${String(process.pid)}_${String(databases)}`;
  await server.exec('postgres', `CREATE DATABASE ${name}`);
  await server.exec(name, TOOLS_FOR_TESTS + logMigration.sql);
  const url = server.url(name);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  onTestFinished(() => pool.end());
  return { pool, url };
}

export async function logStores(server: TestPostgres, options: { kvQuotas?: NamespaceQuotas; groupCommit?: GroupCommitOptions | null } = {}) {
  const { pool, url } = await logDatabase(server);
  return {
    pool,
    url,
    executions: createPgExecutionStore(pool, options.kvQuotas ?? DEFAULT_KV_QUOTAS, options.groupCommit),
    kv: createPgKvStore(pool),
    failureGroups: createPgFailureGroupStore(pool),
    retention: createPgRetentionStore(pool),
  };
}
