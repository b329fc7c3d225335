import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { openPostgresStore } from '../../../../src/store/postgres/index.js';
import { LATEST_PG_SCHEMA_VERSION } from '../../../../src/store/postgres/migrations/index.js';
import { unavailable, usePostgres } from './pg-fixtures.js';

const cluster = usePostgres();

async function query<R extends object>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(unavailable !== null)('PostgreSQL migrations', () => {
  it('four stores opening a fresh database at once all succeed, and each migration is applied once', async () => {
    const url = await cluster.freshDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(url)));
    try {
      const rows = await query<{ version: number; n: string }>(url, 'SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version');
      expect(rows.map((r) => [r.version, Number(r.n)])).toEqual(Array.from({ length: LATEST_PG_SCHEMA_VERSION }, (_, i) => [i + 1, 1]));
      await stores[0]!.tools.create('default', 'a', (await import('../fixtures.js')).snapshot());
      expect(await stores[3]!.tools.countLive('default')).toBe(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('opening again applies nothing and keeps the data', async () => {
    const url = await cluster.freshDatabase();
    const first = await cluster.openOn(url);
    await first.tools.create('default', 'kept', (await import('../fixtures.js')).snapshot());
    await first.close();
    const again = await cluster.openOn(url);
    expect(await again.tools.get('default', 'kept')).toBeDefined();
    expect(await query(url, 'SELECT * FROM schema_migrations')).toHaveLength(LATEST_PG_SCHEMA_VERSION);
  });

  it('a database a newer Chameleon migrated is refused, untouched, with what to do', async () => {
    const url = await cluster.freshDatabase();
    await (await cluster.openOn(url)).close();
    await cluster.server().exec(new URL(url).pathname.slice(1), "INSERT INTO schema_migrations VALUES (999, 'from the future', '2030-01-01T00:00:00.000Z')");
    await expect(openPostgresStore(url)).rejects.toMatchObject({
      code: 'STORE_FAILURE',
      message: expect.stringMatching(/has schema version 999, but this build of Chameleon only knows up to version \d+.*Upgrade this server/),
    });
  });
});
