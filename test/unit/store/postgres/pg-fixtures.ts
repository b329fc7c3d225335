/**
 * One throwaway PostgreSQL cluster per test file (test/helpers/postgres.ts) and a fresh database
 * per test, so tests of one file never see each other's tools.
 */
import { afterAll, beforeAll, onTestFinished } from 'vitest';

import { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from '../../../../src/store/postgres/index.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../../../helpers/postgres.js';
import { steppingClock } from '../fixtures.js';

export const unavailable = postgresUnavailable();

export function usePostgres(): { server: () => TestPostgres; freshDatabase: () => Promise<string>; openOn: (url: string, options?: PostgresStoreOptions) => Promise<PostgresStore> } {
  let server: TestPostgres | undefined;
  let counter = 0;
  beforeAll(async () => {
    if (unavailable === null) server = await startPostgres();
  }, 60_000);
  afterAll(() => {
    server?.stop();
  });
  const get = () => {
    if (server === undefined) throw new Error('no PostgreSQL cluster');
    return server;
  };
  return {
    server: get,
    async freshDatabase() {
      const name = `t${String(process.pid)}_${String(++counter)}`;
      await get().exec('postgres', `CREATE DATABASE ${name}`);
      return get().url(name);
    },
    async openOn(url, options = {}) {
      const store = await openPostgresStore(url, { now: steppingClock(), ...options });
      onTestFinished(() => store.close());
      return store;
    },
  };
}
