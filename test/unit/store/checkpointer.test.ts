import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { describe, expect, it } from 'vitest';

import { CHECKPOINT_AFTER_QUIET_MS, WRITES_PER_CHECKPOINT } from '../../../src/store/checkpointer.js';
import { openStore } from '../../../src/store/index.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { execution, rawConnection } from './fixtures.js';

const PAGE = 4096;

function size(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
}

describe('background WAL checkpoints', () => {
  it('copies the log into the database file from another thread, and close() leaves no WAL behind', async () => {
    const file = path.join(tempDir('chameleon-ckpt-'), 'chameleon.db');
    const store = openStore(file);
    try {
      const before = size(file);
      // Enough rows for several checkpoint requests; the worker starts on the first one.
      for (let i = 0; i < WRITES_PER_CHECKPOINT * 6; i += 1) {
        store.executions.insert(execution({ argumentsJson: JSON.stringify({ pad: 'x'.repeat(500), i }) }));
        if (i % 50 === 0) await sleep(1);
      }
      // The main connection never checkpoints by itself below MAX_WAL_PAGES, so a database
      // file that grew was written by the worker's checkpoints.
      const deadline = Date.now() + 10_000;
      while (size(file) <= before + 10 * PAGE && Date.now() < deadline) {
        store.executions.insert(execution());
        await sleep(20);
      }
      expect(size(file)).toBeGreaterThan(before + 10 * PAGE);
    } finally {
      store.close();
    }
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const db = rawConnection(file);
    expect(db.prepare('SELECT COUNT(*) FROM executions').pluck().get()).toBeGreaterThanOrEqual(WRITES_PER_CHECKPOINT * 6);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  }, 30_000);

  it('checkpoints a few writes once the store goes quiet, so a copy of the database file alone has them', async () => {
    const dir = tempDir('chameleon-ckpt-');
    const file = path.join(dir, 'chameleon.db');
    const store = openStore(file);
    try {
      // Far fewer writes than the count that asks for a checkpoint.
      for (let i = 0; i < 20; i += 1) store.executions.insert(execution());
      const copy = path.join(dir, 'copy.db');
      const copied = (): number => {
        fs.copyFileSync(file, copy);
        const db = rawConnection(copy);
        try {
          // Even the schema may still be in the WAL only.
          if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'executions'").get()) return 0;
          return Number(db.prepare('SELECT COUNT(*) FROM executions').pluck().get());
        } catch (error) {
          // A copy taken while the checkpoint writes the file can be torn: not there yet.
          if ((error as { code?: string }).code === 'SQLITE_CORRUPT') return 0;
          throw error;
        } finally {
          db.close();
          for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) fs.rmSync(f, { force: true });
        }
      };
      // Right after the writes, the rows are in the WAL only: the file alone has none of them.
      expect(copied()).toBe(0);
      // Once quiet (the worker takes ~100-200 ms to start on a loaded machine), they are in it.
      const deadline = Date.now() + CHECKPOINT_AFTER_QUIET_MS + 10_000;
      let rows = 0;
      while ((rows = copied()) < 20 && Date.now() < deadline) await sleep(100);
      expect(rows).toBe(20);
    } finally {
      store.close();
    }
  }, 30_000);

  // The server's store has no busy timeout (lock-wait.ts): its own RESTART checkpoint then fails
  // rather than wait while the worker checkpoints, and must still keep the WAL bounded.
  it.each([
    ['a one-shot store (5 s busy timeout)', {}],
    ["the server's store (no busy timeout)", { busyTimeoutMs: 0 }],
  ])('keeps the WAL bounded under a steady stream of writes that never pauses for the worker: %s', async (_name, options) => {
    const file = path.join(tempDir('chameleon-ckpt-'), 'chameleon.db');
    const store = openStore(file, options);
    try {
      // ~6 WAL pages a row: without any checkpoint 8,000 rows would make a WAL of ~190 MB.
      for (let i = 0; i < 8_000; i += 1) {
        store.executions.insert(execution());
        if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      // Half of what no checkpoint would leave: bounded, with room for a checkpoint thread
      // that a loaded machine (load 5-10 beside other suites) starves for a while (68-72 MB seen).
      expect(size(`${file}-wal`)).toBeLessThan(96 * 1024 * 1024);
    } finally {
      store.close();
    }
  }, 60_000);

  it('leaves checkpoints to SQLite when turned off', () => {
    const file = path.join(tempDir('chameleon-ckpt-'), 'chameleon.db');
    const store = openStore(file, { backgroundCheckpoints: false });
    try {
      for (let i = 0; i < 400; i += 1) store.executions.insert(execution());
      // SQLite's automatic checkpoint (1,000 pages) keeps the WAL near 4 MB.
      expect(size(`${file}-wal`)).toBeLessThan(8 * 1024 * 1024);
    } finally {
      store.close();
    }
  });
});
