import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { holdWriteLock } from '../helpers/lock-holder.js';

/**
 * Issue 12, item 5: another process holding the database's write lock (a backup, the sqlite3
 * shell, a second server) used to put the whole server to sleep: better-sqlite3 waited out
 * SQLite's 5 s busy timeout on the event loop, so every session stalled behind one log row.
 * Writes now wait for the lock on timers; reads (WAL) never wait for a writer at all.
 */

/** The longest gap between ticks of a 10 ms timer while it runs: how long the loop was blocked. */
function watchEventLoop(): { stop(): number } {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(longest, performance.now() - last);
    },
  };
}

type Settled<T> = { done: false } | { done: true; value: T } | { done: true; error: unknown };

/** Follows a promise without letting a rejection go unhandled before the test looks at it. */
function follow<T>(promise: Promise<T>): { state(): Settled<T>; settled: Promise<Settled<T>> } {
  let state: Settled<T> = { done: false };
  const settled = promise.then(
    (value) => (state = { done: true, value }),
    (error: unknown) => (state = { done: true, error }),
  );
  return { state: () => state, settled };
}

function valueOf<T>(settled: Settled<T>): T {
  if (!settled.done) throw new Error('still pending');
  if ('error' in settled) throw settled.error;
  return settled.value;
}

/** How long the lock is held while the test watches; the loop must not stall for half of it. */
const HOLD_MS = 2_000;

describe('another process holds the write lock (default wait)', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startEngine();
    const scope = engine.app.forPersona('default');
    expect((await scope.createTool({ name: 'echo', description: 'Echoes.', code: 'export default (a: unknown) => a;' })).ok).toBe(true);
    expect(await scope.runTool('echo', { n: 0 })).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('a call waits for its log row without blocking the event loop, reads are answered meanwhile, and the call succeeds once the lock is released', async () => {
    const scope = engine.app.forPersona('default');
    const lock = await holdWriteLock(engine.dbPath);
    const loop = watchEventLoop();
    const call = follow(scope.runTool('echo', { n: 1 }));
    await sleep(HOLD_MS);
    // Reads in WAL mode do not wait for a writer: answered while the call's row waits.
    expect((await scope.listTools()).map((t) => t.name)).toEqual(['echo']);
    expect((await scope.getTool('echo')).version).toBe(1);
    expect(await scope.listExecutions({ toolName: 'echo' })).toHaveLength(1);
    expect(await scope.getLastError()).toBeNull();
    const stalled = loop.stop();
    // The result is held until its row is committed, and the row cannot be until the lock goes.
    expect(call.state().done).toBe(false);
    expect(stalled).toBeLessThan(HOLD_MS / 2);

    await lock.release();
    const outcome = valueOf(await call.settled);
    expect(outcome).toMatchObject({ ok: true, result: { n: 1 } });
    // Committed before the reply, as always.
    expect(await scope.getExecution(outcome.executionId)).toMatchObject({ status: 'SUCCESS', toolName: 'echo' });
  });

  it('every kind of write (calls, create, a refused create, update, rollback, delete) waits for the lock, then succeeds', async () => {
    const scope = engine.app.forPersona('default');
    expect((await scope.createTool({ name: 'doomed', description: 'To be deleted.', code: 'export default () => 0;' })).ok).toBe(true);
    expect((await scope.createTool({ name: 'twice', description: 'Two versions.', code: 'export default () => 1;' })).ok).toBe(true);
    expect((await scope.updateTool({ name: 'twice', code: 'export default () => 2;' })).ok).toBe(true);

    const lock = await holdWriteLock(engine.dbPath, 'EXCLUSIVE');
    const writes = {
      calls: [1, 2, 3].map((n) => follow(scope.runTool('echo', { n }))),
      created: follow(scope.createTool({ name: 'fresh', description: 'New.', code: 'export default () => "fresh";' })),
      refused: follow(scope.createTool({ name: 'broken', description: 'Does not compile.', code: 'export default (' })),
      updated: follow(scope.updateTool({ name: 'echo', description: 'Echoes its arguments.' })),
      // Wrapped in a promise: before the fix these were synchronous, and slept on the lock.
      rolledBack: follow(Promise.resolve().then(() => scope.rollbackTool('twice', 1))),
      deleted: follow(Promise.resolve().then(() => scope.deleteTool('doomed'))),
    };
    const all = [...writes.calls, writes.created, writes.refused, writes.updated, writes.rolledBack, writes.deleted];
    // By now the creates and the update have compiled and passed their load checks (work that
    // blocks the loop by itself) and wait for the lock with the rest: watch the loop from here.
    await sleep(HOLD_MS / 2);
    const loop = watchEventLoop();
    await sleep(HOLD_MS / 2);
    expect(loop.stop()).toBeLessThan(HOLD_MS / 4);
    expect(all.filter((w) => w.state().done).map((w) => w.state())).toEqual([]);

    await lock.release();
    await Promise.all(all.map((w) => w.settled));
    for (const call of writes.calls) expect(valueOf(call.state())).toMatchObject({ ok: true });
    expect(valueOf(writes.created.state())).toMatchObject({ ok: true, tool: { name: 'fresh', activeVersion: 1 } });
    const refused = valueOf(writes.refused.state());
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(await scope.getExecution(refused.executionId)).toMatchObject({ status: 'FAILURE', operation: 'create', toolName: 'broken' });
    expect(valueOf(writes.updated.state())).toMatchObject({ ok: true, tool: { description: 'Echoes its arguments.', activeVersion: 2 } });
    expect(valueOf(writes.rolledBack.state())).toMatchObject({ activeVersion: 3 });
    expect(valueOf(writes.deleted.state())).toMatchObject({ name: 'doomed' });
    expect((await scope.listTools()).map((t) => t.name)).toEqual(['echo', 'fresh', 'twice']);
    expect((await scope.listExecutions({ toolName: 'echo', limit: 1000 })).length).toBeGreaterThanOrEqual(4);
  });
});

describe('a lock held past store.lockWaitMs', () => {
  const WAIT_MS = 700;
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startEngine({ store: { lockWaitMs: WAIT_MS } });
    const scope = engine.app.forPersona('default');
    expect((await scope.createTool({ name: 'echo', description: 'Echoes.', code: 'export default (a: unknown) => a;' })).ok).toBe(true);
    expect(await scope.runTool('echo', { n: 0 })).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('fails the call with STORE_FAILURE saying another process holds the database lock, without stalling the loop, and recovers after release', async () => {
    const scope = engine.app.forPersona('default');
    const lock = await holdWriteLock(engine.dbPath);
    const loop = watchEventLoop();
    const started = performance.now();
    const call = await follow(scope.runTool('echo', { n: 1 })).settled;
    const waited = performance.now() - started;
    const stalled = loop.stop();
    expect(call.done && 'error' in call).toBe(true);
    const error = call.done && 'error' in call ? call.error : null;
    expect(isAppError(error) && error.code).toBe('STORE_FAILURE');
    // What the agent reads: its result is withheld, and why: a lock another process holds.
    expect((error as Error).message).toMatch(/result is withheld/);
    expect((error as Error).message).toMatch(/another process holds a lock on the database/i);
    expect((error as Error).message).toMatch(/retry in a few seconds/);
    expect(waited).toBeGreaterThanOrEqual(WAIT_MS - 50);
    expect(stalled).toBeLessThan(WAIT_MS / 2);

    // A write of a tool gives up the same way.
    const created = await follow(scope.createTool({ name: 'late', description: 'd', code: 'export default () => 1;' })).settled;
    const createError = created.done && 'error' in created ? created.error : null;
    expect(isAppError(createError) && createError.code).toBe('STORE_FAILURE');
    expect((createError as Error).message).toMatch(/another process holds a lock on the database/i);

    // get_last_error does not claim that nothing failed while the log cannot be written.
    await expect(scope.getLastError()).rejects.toThrow(/execution log cannot be written.*another process holds a lock/is);

    await lock.release();
    expect(await scope.runTool('echo', { n: 2 })).toMatchObject({ ok: true, result: { n: 2 } });
    expect(await scope.getLastError()).toBeNull();
  });
});
