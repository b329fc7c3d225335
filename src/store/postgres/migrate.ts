/**
 * Applying the PostgreSQL migrations (migrations/index.ts) at start. Every replica does it when
 * it opens the store, so two may start at once: each takes a transaction-level advisory lock
 * first, so the second waits for the first to commit, then finds nothing left to do. All of it is
 * one transaction (PostgreSQL's DDL is transactional): a migration that fails leaves the database
 * as it was. `schema_migrations` records each applied version, and a database that records a
 * version this build does not know (a newer Chameleon wrote it) is refused, not touched.
 */
import type pg from 'pg';

import { AppError, isAppError } from '../../errors.js';
import type { PostgresTarget } from './connection.js';
import { toPgStoreError } from './pg-guard.js';
import { LATEST_PG_SCHEMA_VERSION, PG_MIGRATIONS, type PgMigration } from './migrations/index.js';

/** The advisory lock of migrating: "Chameleo" in ASCII, as a bigint; any fixed key would do. */
export const MIGRATION_LOCK_KEY = '4857239320600012143';

/**
 * Brings the database behind `pool` up to the latest schema; resolves to the versions it applied
 * (none when another replica got there first). `location` names the database in messages.
 */
export async function migratePostgres(pool: pg.Pool, location: string, now: () => string, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number[]> {
  const latest = migrations === PG_MIGRATIONS ? LATEST_PG_SCHEMA_VERSION : migrations.length;
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    // Not CREATE TABLE IF NOT EXISTS: that needs the right to create in the schema even when the
    // table exists, which a role granted only the rights on Chameleon's tables lacks.
    const { rows: found } = await client.query<{ exists: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS exists");
    if (found[0]?.exists !== true) await client.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const applied = new Set(rows.map((r) => r.version));
    const newest = rows.at(-1)?.version ?? 0;
    if (newest > latest) {
      throw new AppError(
        'STORE_FAILURE',
        `The PostgreSQL database at ${location} has schema version ${newest}, but this build of Chameleon only knows up to version ${latest}: ` +
          'a newer Chameleon wrote it. Upgrade this server to the version the other replicas run, or point --db at another database.',
      );
    }
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, now()]);
      done.push(migration.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * STORE_FAILURE for a migration that failed on `target`. A role that may not create tables is
 * the common case on a new database (since PostgreSQL 15 only the database's owner may create in
 * schema public), and says how to let it; anything else gets the store's advice by SQLSTATE.
 */
export function migrationFailure(target: PostgresTarget, error: unknown): AppError {
  if (isAppError(error)) return error;
  const code = error !== null && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  // "permission denied for schema public"; for a table instead, the store's advice fits (grant its rights).
  if (code === '42501' && /\bschema\b/.test(detail)) {
    return new AppError(
      'STORE_FAILURE',
      `Cannot create Chameleon's tables in PostgreSQL at ${target.location}: user ${target.user} may not (${detail}, 42501). ` +
        `Chameleon creates them, and adds to them after an upgrade, when it starts: make ${target.user} the database's owner (ALTER DATABASE ${target.database} OWNER TO ${target.user}) ` +
        `or GRANT CREATE ON SCHEMA public TO ${target.user}; or start it once as a role that may, then grant ${target.user} SELECT, INSERT, UPDATE, DELETE on its tables and USAGE on their sequences.`,
      { cause: error },
    );
  }
  return toPgStoreError(`prepare the database at ${target.location}`, error);
}
