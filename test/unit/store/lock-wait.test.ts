import path from 'node:path';

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

import { AppError } from '../../../src/errors.js';
import { openStore } from '../../../src/store/index.js';
import { isLockBusy, lockWaitExpired, retryDelayMs, whenUnlocked } from '../../../src/store/lock-wait.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { catchAppError, execution, rawConnection } from './fixtures.js';

/** A server-style store (no busy timeout) and a second connection that can hold its write lock. */
function lockedStore() {
  const file = path.join(tempDir('chameleon-lock-'), 'chameleon.db');
  const store = openStore(file, { busyTimeoutMs: 0, backgroundCheckpoints: false });
  const other = rawConnection(file);
  return {
    store,
    lock: () => other.exec('BEGIN IMMEDIATE; INSERT INTO executions SELECT * FROM executions WHERE 0'),
    release: () => other.exec('COMMIT'),
    close: () => store.close(),
  };
}

describe('openStore({ busyTimeoutMs: 0 })', () => {
  it('fails a write at once with SQLITE_BUSY when another connection holds the lock, instead of sleeping on the thread', () => {
    const { store, lock, release, close } = lockedStore();
    try {
      lock();
      const started = performance.now();
      const error = catchAppError(() => store.executions.insert(execution()));
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(error.code).toBe('STORE_FAILURE');
      expect(isLockBusy(error)).toBe(true);
      // Reads do not wait for a writer in WAL mode.
      expect(store.executions.list('alice')).toEqual([]);
      release();
      store.executions.insert(execution());
    } finally {
      close();
    }
  });
});

describe('whenUnlocked()', () => {
  it('tries again on timers until the lock is released, so other work runs meanwhile', async () => {
    const { store, lock, release, close } = lockedStore();
    try {
      lock();
      let attempts = 0;
      // The release runs on a timer of this thread: it could not while the thread slept in SQLite.
      setTimeout(release, 300);
      await whenUnlocked(() => {
        attempts++;
        store.executions.insert(execution({ id: 'ex_waited' }));
      }, 5_000);
      expect(attempts).toBeGreaterThan(1);
      expect(store.executions.get('alice', 'ex_waited')).toBeDefined();
    } finally {
      close();
    }
  });

  it('passes any other error through at once', async () => {
    let attempts = 0;
    const refused = new AppError('TOOL_NOT_FOUND', 'Tool `x` not found.');
    await expect(
      whenUnlocked(() => {
        attempts++;
        throw refused;
      }, 5_000),
    ).rejects.toBe(refused);
    expect(attempts).toBe(1);
  });

  it('gives up after maxWaitMs with STORE_FAILURE that says another process holds the lock and how long it waited', async () => {
    const { store, lock, close } = lockedStore();
    try {
      lock();
      const started = performance.now();
      const error = await whenUnlocked(() => store.executions.insert(execution()), 300).catch((e: unknown) => e);
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('STORE_FAILURE');
      expect((error as AppError).message).toMatch(/^The tool store could not record the execution: database is locked \(SQLITE_BUSY\)\. Another process holds a lock on the database/);
      expect((error as AppError).message).toMatch(/The server waited 0\.\d s for the lock \(setting store\.lockWaitMs\)/);
      // Still recognisable as a lock fault to whoever handles it next.
      expect(isLockBusy(error)).toBe(true);
    } finally {
      close();
    }
  });
});

describe('isLockBusy()', () => {
  it.each([
    ['a SqliteError SQLITE_BUSY', new Database.SqliteError('database is locked', 'SQLITE_BUSY'), true],
    ['an extended code (SQLITE_BUSY_SNAPSHOT)', new Database.SqliteError('database is locked', 'SQLITE_BUSY_SNAPSHOT'), true],
    ['a STORE_FAILURE caused by SQLITE_BUSY', new AppError('STORE_FAILURE', 'x', { cause: new Database.SqliteError('database is locked', 'SQLITE_BUSY') }), true],
    ['SQLITE_LOCKED (a conflict inside one connection, not another process)', new Database.SqliteError('database table is locked', 'SQLITE_LOCKED'), false],
    ['SQLITE_FULL', new Database.SqliteError('database or disk is full', 'SQLITE_FULL'), false],
    ['a plain Error', new Error('SQLITE_BUSY'), false],
    ['a non-error', 'SQLITE_BUSY', false],
  ])('%s -> %s', (_name, error, expected) => {
    expect(isLockBusy(error)).toBe(expected);
  });
});

describe('retryDelayMs()', () => {
  it("follows SQLite's own busy steps, then every 100 ms, spread by +-25 %", () => {
    expect(retryDelayMs(0, () => 0.5)).toBe(1);
    expect(retryDelayMs(3, () => 0.5)).toBe(10);
    expect(retryDelayMs(11, () => 0.5)).toBe(100);
    expect(retryDelayMs(1_000, () => 0.5)).toBe(100);
    expect(retryDelayMs(1_000, () => 0)).toBe(75);
    expect(retryDelayMs(1_000, () => 0.999_999)).toBeCloseTo(125, 3);
  });

  it('says in lockWaitExpired how long the write waited', () => {
    const error = lockWaitExpired(new Database.SqliteError('database is locked', 'SQLITE_BUSY'), 12_345);
    expect(error.message).toMatch(/waited 12\.3 s for the lock/);
  });
});
