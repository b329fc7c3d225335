/**
 * The PostgreSQL store keeps SQLite's schema (issue 19): on a freshly migrated PostgreSQL
 * database, every table both stores have has the same columns (information_schema against
 * PRAGMA table_info, compared by name), with a translated type, the same
 * nullability and defaults, and the same indexes and triggers. The differences meant to be are
 * the commented list scripts/docs-schema-postgres-notes.mjs POSTGRES (docs/schema.md renders
 * it): a seq that is a bigserial, the function behind the kv_usage triggers, schema_migrations...
 * A migration on one store that the other lacks fails here. The second test proves the check
 * bites: a database migrated with one more migration that drops a column is reported.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// @ts-expect-error -- a plain ES module script, without types
import { readSchema } from '../../scripts/docs-schema.mjs';
// @ts-expect-error -- a plain ES module script, without types
import { POSTGRES } from '../../scripts/docs-schema-postgres-notes.mjs';
import { openStore } from '../../src/store/index.js';
import { openStoreAt } from '../../src/store/open.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations/index.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { readPgSchema, schemaDrift, type IntendedDifferences, type PgSchema, type SqliteSchema } from '../helpers/schema-drift.js';

const intended = POSTGRES as IntendedDifferences;
const sqlite = (readSchema as (open: typeof openStore) => SqliteSchema)(openStore);

describe.skipIf(postgresUnavailable() !== null)('the PostgreSQL schema against the SQLite schema', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  async function schemaOf(database: string): Promise<PgSchema> {
    const client = new pg.Client({ connectionString: server.url(database) });
    await client.connect();
    try {
      return await readPgSchema(client);
    } finally {
      await client.end();
    }
  }

  it('a fresh PostgreSQL store has the tables, columns, indexes and triggers of a fresh SQLite store, but for the listed differences', async () => {
    await server.exec('postgres', 'CREATE DATABASE fresh');
    await (await openStoreAt(server.url('fresh'), { postgres: { env: {} } })).close();
    const postgres = await schemaOf('fresh');
    expect(schemaDrift(sqlite, postgres, intended), 'add the column to the other store (a migration), or list the difference in scripts/docs-schema-postgres-notes.mjs').toEqual([]);
    // Not vacuous: every SQLite table was compared, column by column.
    expect(sqlite.tables.map((t) => t.name).every((name) => postgres.tables.has(name))).toBe(true);
    expect(sqlite.tables.reduce((n, t) => n + t.columns.length, 0)).toBeGreaterThan(60);
  });

  it('reports a column that one more PostgreSQL migration dropped (the check catches drift)', async () => {
    await server.exec('postgres', 'CREATE DATABASE weakened');
    const pool = new pg.Pool({ connectionString: server.url('weakened'), max: 1 });
    try {
      const drop = { version: PG_MIGRATIONS.length + 1, name: 'drift on purpose', sql: 'ALTER TABLE executions DROP COLUMN progress_calls; DROP INDEX executions_by_root' };
      await migratePostgres(pool, 'weakened', () => new Date().toISOString(), [...PG_MIGRATIONS, drop]);
    } finally {
      await pool.end();
    }
    expect(schemaDrift(sqlite, await schemaOf('weakened'), intended)).toEqual(['column executions.progress_calls is only in SQLite', 'index executions_by_root is only in SQLite']);
  });
});
