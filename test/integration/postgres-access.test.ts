/**
 * Connecting to the PostgreSQL store as a real server lets one in.
 *
 * A password given beside a PostgreSQL URL (PGPASSWORD, config store.password, a datasource's
 * password) reaches a server that asks for one. Regression: pg let the empty password it parses
 * from a URL without one override a separate `password` setting, so only a password written in
 * the URL (or PGPASSWORD in the process's own environment) was ever sent. The cluster here asks
 * for passwords over TCP (scram-sha-256), as a real server does; a trusting one hid the bug.
 *
 * A role granted only the rights on Chameleon's tables (not to create in the schema) opens a store
 * another role made. Regression: `CREATE TABLE IF NOT EXISTS schema_migrations` needs the right
 * to create even when the table exists, so such a role could never start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { analyseStatement, type Statement } from '../../src/datasources/statement.js';
import { createPostgresSource } from '../../src/datasources/postgres-source.js';
import type { Logger } from '../../src/logger.js';
import { openStoreAt } from '../../src/store/open.js';
import { execution } from '../unit/store/fixtures.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';

// Characters a URL would have to escape: the password must arrive byte for byte.
const ROLE = { name: 'app', password: 'p@ss:w%rd/ é?#' };
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe.skipIf(postgresUnavailable() !== null)('PostgreSQL passwords from outside the URL', () => {
  let server: TestPostgres;
  let bare = '';
  beforeAll(async () => {
    server = await startPostgres({ passwords: true });
    await server.exec('postgres', `CREATE ROLE ${ROLE.name} LOGIN PASSWORD '${ROLE.password}'`);
    await server.exec('postgres', `CREATE DATABASE app OWNER ${ROLE.name}`);
    bare = `postgres://${ROLE.name}@127.0.0.1:${String(server.port)}/app`;
  });
  afterAll(() => server?.stop());

  it.each([
    ['PGPASSWORD', { env: { PGPASSWORD: ROLE.password } }],
    ['store.password { env }', { env: { APP_PW: ROLE.password }, password: { env: 'APP_PW' } }],
    ['store.password { secret }', { env: {}, password: { secret: 'APP' }, secretValue: (name: string) => (name === 'APP' ? ROLE.password : undefined) }],
  ])('the store opens with the password from %s', async (_from, postgres) => {
    const store = await openStoreAt(bare, { postgres });
    try {
      expect(await store.tools.list('default')).toEqual([]);
      expect(store.location).toBe(bare);
    } finally {
      await store.close();
    }
  });

  it('a wrong password from store.password is refused by the server (28P01), not silently skipped', async () => {
    await expect(openStoreAt(bare, { postgres: { env: { APP_PW: 'wrong' }, password: { env: 'APP_PW' } } })).rejects.toMatchObject({
      code: 'STORE_FAILURE',
      message: expect.stringContaining('password authentication failed for user app (28P01)'),
    });
  });

  it('a role with only the rights on the tables opens a store another role made, and writes to it', async () => {
    await server.exec('postgres', "CREATE ROLE worker LOGIN PASSWORD 'worker-pw'");
    await server.exec('postgres', 'CREATE DATABASE shared');
    await (await openStoreAt(server.url('shared'), { postgres: { env: {} } })).close();
    await server.exec('shared', 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO worker; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO worker');
    const store = await openStoreAt(server.url('shared', { name: 'worker', password: 'worker-pw' }), { postgres: { env: {} } });
    try {
      await store.executions.insert(execution({ id: 'ex_worker', persona: 'default' }));
      expect((await store.executions.list('default')).map((e) => e.id)).toEqual(['ex_worker']);
    } finally {
      await store.close();
    }
  });

  it('a datasource connects with its configured password', async () => {
    const source = createPostgresSource({ name: 'app', url: bare, password: ROLE.password, poolSize: 1, logger: silent });
    try {
      const statement = analyseStatement('SELECT current_user AS who', 'postgres') as Statement;
      const described = await source.describe(statement, 5_000);
      expect(described.ok, JSON.stringify(described)).toBe(true);
    } finally {
      await source.close();
    }
  });
});
