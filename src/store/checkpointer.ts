/**
 * WAL checkpoints on a thread of their own. In WAL mode a commit appends to the -wal file; a
 * checkpoint copies those pages back into the database file and, with synchronous=NORMAL,
 * fsyncs both. SQLite runs it inside whichever commit crosses 1,000 WAL pages, so every ~160th
 * log row paid for it on the event loop: measured here, the p99 of a log-row insert was 1-4 ms
 * and its mean 120-190 us against a median of ~40 us, spikes up to 20 ms (the fsyncs). With
 * the automatic checkpoint off on the main connection, a worker thread with its own connection
 * runs PASSIVE checkpoints instead, which never block a writer or a reader. Durability is the
 * same: a row is committed (in the WAL) when its commit returns, checkpoint or not.
 *
 * One catch: SQLite rewinds the WAL to its start only when a write begins while every frame in
 * it has been copied back. Under a steady stream of writes the worker's pass (milliseconds of
 * fsync) never ends with nothing new behind it, so the WAL would grow without end. When the
 * worker reports more than MAX_WAL_PAGES in the WAL, the main connection runs one checkpoint
 * itself: by then the worker has copied and synced nearly all of it, so it is short, and the
 * next write rewinds the WAL. A server that pauses now and then never needs it.
 *
 * The worker is started on first need, so a short-lived process (a CLI command) never starts
 * it. If it cannot start or dies, the main connection goes back to automatic checkpoints.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

import type Database from 'better-sqlite3';

/** SQLite's own default for wal_autocheckpoint, in pages. */
export const AUTO_CHECKPOINT_PAGES = 1000;
/**
 * Writes between two checkpoint requests. A log row appends ~5-6 pages, so 100 rows stay
 * under the 1,000 pages at which SQLite itself would have checkpointed.
 */
export const WRITES_PER_CHECKPOINT = 100;
/** WAL pages past which the main connection finishes a checkpoint itself (~16 MB). */
export const MAX_WAL_PAGES = 4 * AUTO_CHECKPOINT_PAGES;
/**
 * Writes past which the main connection checkpoints itself when the worker has taken no request
 * meanwhile: a worker still booting on a loaded machine (or stuck in a long fsync) reports
 * nothing, and the WAL would grow unchecked. ~5-6 pages a row: about MAX_WAL_PAGES.
 */
export const MAX_WRITES_UNREQUESTED = 8 * WRITES_PER_CHECKPOINT;
/**
 * A checkpoint is also asked for this long after a write that none has covered yet: a server
 * that wrote a few rows and went quiet would otherwise keep them in the -wal file until its
 * 100th write, and a copy of the database file alone (a careless backup) would miss them.
 */
export const CHECKPOINT_AFTER_QUIET_MS = 1_000;
/** How long close() waits for the worker to close its connection. */
const CLOSE_WAIT_MS = 2_000;

// Slots of the shared state.
const PENDING = 0;
const CLOSED = 1;
/** Pages in the WAL when the worker last checkpointed it. */
const WAL_PAGES = 2;

/**
 * The worker, as source text (eval) so that it runs the same from src/ under a test runner and
 * from dist/. It only ever runs `PRAGMA wal_checkpoint(PASSIVE)`; errors (SQLITE_BUSY when another
 * process is checkpointing) just wait for the next request.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const state = new Int32Array(workerData.state);
const db = new Database(workerData.file, { fileMustExist: true, timeout: 0 });
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
parentPort.on('message', (message) => {
  if (message === 'checkpoint') {
    try {
      const [result] = db.pragma('wal_checkpoint(PASSIVE)');
      Atomics.store(state, ${WAL_PAGES}, result.log);
    } catch {}
    Atomics.store(state, ${PENDING}, 0);
    return;
  }
  try { db.close(); } catch {}
  Atomics.store(state, ${CLOSED}, 1);
  Atomics.notify(state, ${CLOSED});
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Counts one write transaction on the main connection; asks for a checkpoint now and then. */
  wrote(): void;
  /** Stops the worker (waiting briefly for it to close its connection). Safe to call twice. */
  close(): void;
}

/** Background checkpoints for the WAL database `file`, whose main connection is `db`. */
export function createCheckpointer(db: Database.Database, file: string): Checkpointer {
  db.pragma('wal_autocheckpoint = 0');
  const state = new Int32Array(new SharedArrayBuffer(12));
  let worker: Worker | null = null;
  /** Writes since the worker was last sent a request (or the main connection checkpointed). */
  let writesSinceRequest = 0;
  let stopped = false;
  let quietTimer: NodeJS.Timeout | null = null;

  /** Back to SQLite's own checkpoints, for good. */
  function fallBack(): void {
    stopped = true;
    worker = null;
    if (quietTimer) clearTimeout(quietTimer);
    if (db.open) db.pragma(`wal_autocheckpoint = ${String(AUTO_CHECKPOINT_PAGES)}`);
  }

  function start(): Worker | null {
    try {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, state: state.buffer } });
      started.unref();
      started.on('error', () => {
        if (worker === started) fallBack();
      });
      started.on('exit', () => {
        if (worker === started) fallBack();
      });
      return started;
    } catch {
      fallBack();
      return null;
    }
  }

  /** Sends the worker a checkpoint request, unless one is running. */
  function request(): void {
    // One request at a time: while a checkpoint runs (an fsync can take 20 ms here), the
    // writes that land meanwhile are picked up by the next one.
    if (Atomics.load(state, PENDING) !== 0) return;
    worker ??= start();
    if (!worker) return;
    Atomics.store(state, PENDING, 1);
    worker.postMessage('checkpoint');
    writesSinceRequest = 0;
  }

  /** After CHECKPOINT_AFTER_QUIET_MS, checkpoints what the count-based requests left in the WAL. */
  function armQuietCheckpoint(): void {
    if (quietTimer) return;
    quietTimer = setTimeout(() => {
      quietTimer = null;
      if (stopped || writesSinceRequest === 0) return;
      request();
      // A checkpoint was running: try again after the next quiet period.
      if (writesSinceRequest > 0) armQuietCheckpoint();
    }, CHECKPOINT_AFTER_QUIET_MS);
    // Upkeep never keeps a process alive (a CLI command ends when its work does).
    quietTimer.unref();
  }

  return {
    wrote() {
      if (stopped) return;
      armQuietCheckpoint();
      // Every WRITES_PER_CHECKPOINT-th write: the counter is reset only on such a write.
      if (++writesSinceRequest % WRITES_PER_CHECKPOINT !== 0) return;
      if (Atomics.load(state, WAL_PAGES) > MAX_WAL_PAGES || writesSinceRequest > MAX_WRITES_UNREQUESTED) {
        Atomics.store(state, WAL_PAGES, 0);
        writesSinceRequest = 0;
        try {
          // RESTART, not PASSIVE: it waits (busy_timeout) for a checkpoint the worker may be
          // running, copies every frame, and makes the next write start the WAL file over, so
          // the file stops growing. A PASSIVE one skipped while the worker held the lock, and
          // under a loaded machine's steady writes the WAL passed 70 MB.
          db.pragma('wal_checkpoint(RESTART)');
        } catch {
          // Upkeep, not part of the write that was just committed: the next round retries.
        }
        return;
      }
      request();
    },
    close() {
      if (stopped) return;
      stopped = true;
      if (quietTimer) clearTimeout(quietTimer);
      const running = worker;
      worker = null;
      if (!running) return;
      running.postMessage('close');
      // The worker closes its connection first, so that the main connection is the last one
      // and its close checkpoints the WAL and removes it, as it did before this thread existed.
      Atomics.wait(state, CLOSED, 0, CLOSE_WAIT_MS);
    },
  };
}
