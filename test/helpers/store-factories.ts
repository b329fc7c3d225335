/**
 * Every store the contract suite (test/store-contract/) runs against. Each `open()` gives a
 * fresh, empty store of its kind, migrated, whose clock moves one second per reading from
 * 2026-11-30T20:00:00Z; `cleanup()` closes it and removes what it made. The PostgreSQL store
 * adds its entry here (a database per store on the file's throwaway cluster).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { StoreContract, StoreKind } from '../../src/store/contract.js';
import { openStoreAt } from '../../src/store/open.js';

export type TestStore = StoreContract & { cleanup(): Promise<void> };

export interface StoreFactory {
  kind: StoreKind;
  /** Why this kind cannot run here (its server is missing), or null. */
  unavailable(): string | null;
  open(): Promise<TestStore>;
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
};

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

export const STORE_FACTORIES: readonly StoreFactory[] = [sqlite];
