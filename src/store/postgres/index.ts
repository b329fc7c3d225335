/**
 * The store on PostgreSQL (`--db postgres://user@host:port/db`, issue 19): the same contract as
 * the SQLite file (../contract.ts), for several replicas on one database. This folder is the
 * only importer of the driver, `pg` (chosen over postgres.js by measurement: BENCHMARKS.md).
 *
 * Opening connects once (so a wrong URL, password or database fails at start with a message
 * saying what to change: connection.ts), applies the migrations under an advisory lock
 * (migrate.ts), and assembles the stores on one pool.
 */
import { randomUUID } from 'node:crypto';

import { DEFAULT_KV_QUOTAS } from '../../model.js';
import type { StoreContract, ToolChange } from '../contract.js';
import type { NamespaceQuotas } from '../kv-writes.js';
import { checkConnection, clientConfig, openPool, parsePostgresUrl, type PoolOptions } from './connection.js';
import { createPgExecutionStore } from './executions.js';
import { createPgFailureGroupStore } from './failure-groups.js';
import { createPgKvStore } from './kv.js';
import { createToolChangeListener } from './listener.js';
import { migratePostgres, migrationFailure } from './migrate.js';
import { createPgRetentionStore } from './retention.js';
import { createPgToolStore } from './tools.js';
import { createPgVersionDiagnosticsStore } from './version-diagnostics.js';

export { isPostgresUrl, parsePostgresUrl, redact, resolvePassword } from './connection.js';

export interface PostgresStoreOptions {
  /** The password when the URL has none (connection.ts resolvePassword finds it). */
  password?: string | undefined;
  /** Connections of this store's pool (config store.poolSize). */
  poolSize?: number | undefined;
  /** The clock for created_at/updated_at/deleted_at; tests pin it. Default: `new Date()`. */
  now?: () => Date;
  /** The kv quotas a call's kv writes are checked against again when they commit (config `kv.*`). */
  kvQuotas?: NamespaceQuotas;
  /** Where faults nobody awaits go (an idle connection dropped, the listener reconnecting). Default: nowhere. */
  onBackgroundError?: (message: string, error: unknown) => void;
}

export interface PostgresStore extends StoreContract {
  readonly kind: 'postgres';
  /** Resolves once the LISTEN connection that onToolChange opened is listening. */
  listening(): Promise<void>;
}

export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const target = parsePostgresUrl(url);
  const clock = options.now ?? (() => new Date());
  const now = (): string => clock().toISOString();
  const onError = options.onBackgroundError ?? (() => {});
  const poolOptions: PoolOptions = { password: options.password, poolSize: options.poolSize, onIdleError: (error) => onError('postgres store: an idle connection failed', error) };
  const pool = openPool(target, poolOptions);
  try {
    await checkConnection(pool, target);
    await migratePostgres(pool, target.location, now);
  } catch (error) {
    await pool.end().catch(() => {});
    throw migrationFailure(target, error);
  }
  const source = randomUUID();
  const listener = createToolChangeListener({
    clientConfig: clientConfig(target, poolOptions),
    source,
    onError,
    changedSince: async (since) =>
      (await pool.query<ToolChange>({ name: 'chameleon_tools_changed_since', text: 'SELECT persona, name FROM tools WHERE updated_at >= $1 ORDER BY persona, name', values: [since] })).rows,
  });
  let closing: Promise<void> | null = null;
  return {
    kind: 'postgres',
    location: target.location,
    tools: createPgToolStore(pool, { now, source }),
    executions: createPgExecutionStore(pool, options.kvQuotas ?? DEFAULT_KV_QUOTAS),
    failureGroups: createPgFailureGroupStore(pool),
    kv: createPgKvStore(pool),
    retention: createPgRetentionStore(pool),
    diagnostics: createPgVersionDiagnosticsStore(pool),
    onToolChange: (listen) => listener.subscribe(listen),
    listening: () => listener.ready(),
    close() {
      closing ??= (async () => {
        await listener.close();
        await pool.end();
      })();
      return closing;
    },
  };
}
