/**
 * Waiting for a lock that another connection holds, without sleeping on the event loop.
 *
 * better-sqlite3 is synchronous: with a busy timeout, a statement that finds the database
 * locked sleeps inside SQLite, on the calling thread, until the lock is released or the timeout
 * passes. In the server that thread is the event loop, so one log row waiting for another
 * process's write lock (a backup, the sqlite3 shell, a second server) stalled every session
 * for up to 5 s (issue 12, item 5). The server's connection therefore has no busy timeout: a
 * write that finds the lock taken fails at once with SQLITE_BUSY, and its caller tries again
 * on a timer, serving other requests meanwhile.
 *
 * Reads need none of this: in WAL mode a reader never waits for a writer, and another process
 * cannot take the exclusive locks that would shut readers out while this connection is open.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { AppError, isAppError } from '../errors.js';
import { toStoreError } from './guard.js';

/**
 * SQLite's own busy-handler steps (sqliteDefaultBusyCallback), then every 100 ms: a lock held
 * for a commit's fraction of a millisecond costs a call ~1 ms, one held for seconds costs at most
 * ~100 ms past its release and about ten cheap, failing attempts a second.
 */
const STEPS_MS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100] as const;

/**
 * The pause before retry number `retry` (0-based), spread by +-25 % so that two servers
 * waiting for the same lock do not retry in step.
 */
export function retryDelayMs(retry: number, random: () => number = Math.random): number {
  const step = STEPS_MS[Math.min(retry, STEPS_MS.length - 1)]!;
  return step * (0.75 + random() / 2);
}

/** Whether `error` (a SqliteError, or the STORE_FAILURE guard() made of one) is SQLITE_BUSY. */
export function isLockBusy(error: unknown): boolean {
  const raw = isAppError(error) ? error.cause : error;
  const code = raw !== null && typeof raw === 'object' ? (raw as { code?: unknown }).code : undefined;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

/** The STORE_FAILURE for a write that gave up after `waitedMs` (guard's advice, and how long). */
export function lockWaitExpired(error: unknown, waitedMs: number): AppError {
  const base = toStoreError('write to the database', error);
  const seconds = (waitedMs / 1000).toFixed(1);
  return new AppError(
    'STORE_FAILURE',
    `${base.message} The server waited ${seconds} s for the lock (setting store.lockWaitMs), answering other requests meanwhile.`,
    { cause: base.cause ?? error },
  );
}

/**
 * Runs `attempt` (a store operation, a transaction or one statement, which SQLite has rolled
 * back whole when it reports SQLITE_BUSY; synchronous or by promise) until it does not fail for a lock held
 * elsewhere, pausing on timers between tries. Other errors pass through at once. After
 * `maxWaitMs` it fails with lockWaitExpired.
 */
export async function whenUnlocked<T>(attempt: () => T | Promise<T>, maxWaitMs: number): Promise<T> {
  const started = performance.now();
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isLockBusy(error)) throw error;
      const waited = performance.now() - started;
      if (waited >= maxWaitMs) throw lockWaitExpired(error, waited);
      await sleep(Math.min(retryDelayMs(retry), maxWaitMs - waited));
    }
  }
}
