/**
 * The PostgreSQL log stores (executions, kv, failure groups, retention) on a fresh database of a
 * test cluster (postgres.ts), migrated as a server migrates it at start (migrate.ts).
 */
import pg from 'pg';
import { onTestFinished } from 'vitest';

import { DEFAULT_KV_QUOTAS } from '../../src/model.js';
import type { NamespaceQuotas } from '../../src/store/kv-writes.js';
import { createPgExecutionStore } from '../../src/store/postgres/executions.js';
import { createPgFailureGroupStore } from '../../src/store/postgres/failure-groups.js';
import type { GroupCommitOptions } from '../../src/store/postgres/group-commit.js';
import { createPgKvStore } from '../../src/store/postgres/kv.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';
import { createPgRetentionStore } from '../../src/store/postgres/retention.js';
import { createPgToolStore } from '../../src/store/postgres/tools.js';
import type { TestPostgres } from './postgres.js';

let databases = 0;

/** A new database on `server` with the log's schema, and a pool on it closed when the test ends. */
export async function logDatabase(server: TestPostgres): Promise<{ pool: pg.Pool; url: string }> {
  databases += 1;
  const name = `log_${String(process.pid)}_${String(databases)}`;
  await server.exec('postgres', `CREATE DATABASE ${name}`);
  const url = server.url(name);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  onTestFinished(() => pool.end());
  await migratePostgres(pool, name, () => new Date().toISOString());
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
    /** The real tool store, to make the tools lastStatusByTool() reads. */
    tools: createPgToolStore(pool, { now: () => new Date().toISOString(), source: 'test' }),
  };
}
