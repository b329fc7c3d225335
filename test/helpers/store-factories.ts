/**
 * Every store the contract suite (test/store-contract/) runs against. Each `open()` gives a
 * fresh, empty store of its kind, migrated, whose clock moves one second per reading from
 * 2026-11-30T20:00:00Z; `cleanup()` closes it and removes what it made. PostgreSQL gives a
 * database per store on a throwaway cluster per test file (test/helpers/postgres.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { StoreContract, StoreKind } from '../../src/store/contract.js';
import { openStoreAt } from '../../src/store/open.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from './postgres.js';

export type TestStore = StoreContract & { cleanup(): Promise<void> };

export interface StoreFactory {
  kind: StoreKind;
  /** Why this kind cannot run here (its server is missing), or null. */
  unavailable(): string | null;
  open(): Promise<TestStore>;
  /** Stops what the factory started for the file (the PostgreSQL cluster). */
  dispose(): Promise<void>;
}

/** A clock that moves one second per reading, so that every write has its own time. */
export function steppingClock(start = Date.parse('2026-11-30T20:00:00.000Z')): () => Date {
  let next = start;
  return () => new Date((next += 1000) - 1000);
}

const sqlite: StoreFactory = {
  kind: 'sqlite',
  unavailable: () => null,
  async open() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-contract-'));
    const store = await openStoreAt(path.join(dir, 'chameleon.db'), { now: steppingClock(), backgroundCheckpoints: false });
    return withCleanup(store, async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
  },
  dispose: () => Promise.resolve(),
};

/** One throwaway cluster per test file, started by the first open(); a database per store. */
function postgresFactory(): StoreFactory {
  let cluster: Promise<TestPostgres> | null = null;
  let made = 0;
  return {
    kind: 'postgres',
    unavailable: postgresUnavailable,
    async open() {
      cluster ??= startPostgres();
      const server = await cluster;
      const database = `contract_${String(++made)}`;
      await server.exec('postgres', `CREATE DATABASE ${database}`);
      const store = await openStoreAt(server.url(database), { now: steppingClock(), postgres: { env: {} } });
      return withCleanup(store, async () => {
        await store.close();
        await server.exec('postgres', `DROP DATABASE ${database}`);
      });
    },
    async dispose() {
      if (cluster) (await cluster).stop();
      cluster = null;
    },
  };
}

/** `store` with `cleanup`, delegating to it (a store may keep its methods on a prototype). */
export function withCleanup(store: StoreContract, cleanup: () => Promise<void>): TestStore {
  return {
    kind: store.kind,
    location: store.location,
    tools: store.tools,
    executions: store.executions,
    failureGroups: store.failureGroups,
    kv: store.kv,
    retention: store.retention,
    diagnostics: store.diagnostics,
    onToolChange: (listener) => store.onToolChange(listener),
    close: () => store.close(),
    cleanup,
  };
}

export const STORE_FACTORIES: readonly StoreFactory[] = [sqlite, postgresFactory()];
