import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { describe, expect, it, onTestFinished } from 'vitest';

import { isAppError } from '../../../src/errors.js';
import { sqliteContract } from '../../../src/store/sqlite-contract.js';
import { createLogWriter } from '../../../src/service/log-writer.js';
import { openStore } from '../../../src/store/index.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { execution, rawConnection } from '../store/fixtures.js';

/** A server-style store (no busy timeout), its log writer, and a connection that can hold the write lock. */
function writerWithLock(lockWaitMs: number) {
  const file = path.join(tempDir('chameleon-log-'), 'chameleon.db');
  const store = openStore(file, { busyTimeoutMs: 0, backgroundCheckpoints: false });
  onTestFinished(() => store.close());
  const other = rawConnection(file);
  const rows = other.prepare<[], number>('SELECT COUNT(*) FROM executions').pluck();
  return {
    store,
    log: createLogWriter(sqliteContract(store), { lockWaitMs }),
    lock: () => other.exec('BEGIN IMMEDIATE; INSERT INTO executions SELECT * FROM executions WHERE 0'),
    release: () => other.exec('COMMIT'),
    committedRows: () => rows.get(),
  };
}

type State = 'pending' | 'committed' | Error;

function watch(promise: Promise<unknown>): () => State {
  let state: State = 'pending';
  promise.then(
    () => (state = 'committed'),
    (error: unknown) => (state = error as Error),
  );
  return () => state;
}

describe('createLogWriter() while another connection holds the write lock', () => {
  it('keeps rows waiting (not committed, not failed), takes in rows that arrive meanwhile, and commits them all once released', async () => {
    const { log, lock, release, committedRows } = writerWithLock(5_000);
    lock();
    const first = watch(log.write(execution({ id: 'ex_1' })));
    await sleep(100);
    const later = [watch(log.write(execution({ id: 'ex_2' }))), watch(log.write(execution({ id: 'ex_3' })))];
    await sleep(100);
    expect([first(), ...later.map((s) => s())]).toEqual(['pending', 'pending', 'pending']);
    expect(log.failing()).toBeNull();

    release();
    await expect.poll(() => [first(), ...later.map((s) => s())], { timeout: 2_000 }).toEqual(['committed', 'committed', 'committed']);
    expect(committedRows()).toBe(3);
  });

  it("gives up each row when its own wait passes lockWaitMs: an older row fails while one handed in later still waits, then commits", async () => {
    const WAIT_MS = 400;
    const { store, log, lock, release } = writerWithLock(WAIT_MS);
    lock();
    const old = watch(log.write(execution({ id: 'ex_old', persona: 'alice', toolName: 'slow' })));
    await sleep(WAIT_MS / 2);
    const young = watch(log.write(execution({ id: 'ex_young' })));
    await expect.poll(old, { timeout: 2_000 }).not.toBe('pending');
    expect(young()).toBe('pending');
    const error = old();
    expect(isAppError(error) && error.code).toBe('STORE_FAILURE');
    expect((error as Error).message).toMatch(/Another process holds a lock on the database.*waited 0\.\d s for the lock/s);
    // The log says it is failing (get_last_error reads this), naming the call it lost.
    expect(log.failing()).toMatchObject({ lastTool: 'slow', persona: 'alice' });

    release();
    await expect.poll(young, { timeout: 2_000 }).toBe('committed');
    expect(log.failing()).toBeNull();
    expect(store.executions.get('alice', 'ex_young')).toBeDefined();
    expect(store.executions.get('alice', 'ex_old')).toBeUndefined();
  });

  it('fails rows at once for a fault that waiting cannot cure', async () => {
    const { store, log } = writerWithLock(5_000);
    store.close();
    const started = performance.now();
    await expect(log.write(execution())).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
