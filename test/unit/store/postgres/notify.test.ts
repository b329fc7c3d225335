/**
 * tools/list_changed across replicas (issue 19): every committed tool write NOTIFYs, and another
 * store's onToolChange hears it; its own writes it does not report. The LISTEN connection comes
 * back after the server drops it, and reports what changed meanwhile.
 */
import { describe, expect, it, vi } from 'vitest';

import type { ToolChange } from '../../../../src/store/contract.js';
import { hashSnapshot } from '../../../../src/store/hash.js';
import { snapshot } from '../fixtures.js';
import { unavailable, usePostgres } from './pg-fixtures.js';

const pg = usePostgres();

/** `realClock`: updated_at from the real clock, which the catch-up after a reconnect compares with. */
async function pair(realClock = false) {
  const url = await pg.freshDatabase();
  const options = realClock ? { now: () => new Date() } : {};
  const [writer, watcher] = [await pg.openOn(url, options), await pg.openOn(url, options)];
  const heard: ToolChange[] = [];
  const heardByWriter: ToolChange[] = [];
  watcher.onToolChange((change) => heard.push(change));
  writer.onToolChange((change) => heardByWriter.push(change));
  await Promise.all([watcher.listening(), writer.listening()]);
  return { url, writer, watcher, heard, heardByWriter };
}

describe.skipIf(unavailable !== null)('tool changes between PostgreSQL stores', () => {
  it('create, update, rollback, delete and import each reach the other store; a refused version and diagnostics do not', async () => {
    const { writer, heard, heardByWriter } = await pair();
    const expectHeard = (names: string[]) => vi.waitFor(() => expect(heard.map((c) => `${c.persona}/${c.name}`)).toEqual(names), { timeout: 5_000 });
    await writer.tools.create('default', 'add', snapshot());
    await expectHeard(['default/add']);
    await writer.tools.addVersion('default', 'add', snapshot({ description: 'v2' }), { kind: 'update' });
    await writer.tools.addVersion('default', 'add', snapshot({ description: 'refused' }), { kind: 'update' }, { report: { cases: [] } as never, forced: false, activate: false });
    await writer.diagnostics.set('default', 'add', 1, '[]');
    await writer.tools.rollback('default', 'add', 1);
    await writer.tools.delete('default', 'add');
    const s = snapshot();
    await writer.tools.importTools('other', [{ name: 'imp', activeVersion: 1, createdAt: 'c', updatedAt: 'u', versions: [{ ...s, version: 1, hash: hashSnapshot(s), origin: { kind: 'create' }, createdAt: 'c' }] }]);
    await expectHeard(['default/add', 'default/add', 'default/add', 'default/add', 'other/imp']);
    // Its own writes: the server that made them already knows.
    expect(heardByWriter).toEqual([]);
  });

  it('a failed write notifies nobody', async () => {
    const { writer, watcher, heard } = await pair();
    await watcher.tools.create('default', 'taken', snapshot());
    await expect(writer.tools.create('default', 'taken', snapshot())).rejects.toMatchObject({ code: 'TOOL_EXISTS' });
    await writer.tools.create('default', 'marker', snapshot());
    await vi.waitFor(() => expect(heard.map((c) => c.name)).toEqual(['marker']), { timeout: 5_000 });
  });

  it('the listener reconnects after its connection is killed, and reports what changed meanwhile', async () => {
    const { url, writer, watcher, heard } = await pair(true);
    const database = new URL(url).pathname.slice(1);
    // Kill the watcher's LISTEN connection (the only one listening on the channel in this database).
    await pg.server().exec(database, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`);
    await writer.tools.create('default', 'while_down', snapshot());
    await vi.waitFor(() => expect(heard.map((c) => c.name)).toContain('while_down'), { timeout: 10_000 });
    await watcher.listening();
    await writer.tools.create('default', 'after', snapshot());
    await vi.waitFor(() => expect(heard.map((c) => c.name)).toContain('after'), { timeout: 10_000 });
  });

  it('close() ends the LISTEN connection with the pool: no backend of either store is left', async () => {
    const { url, writer, watcher } = await pair();
    await Promise.all([writer.close(), watcher.close()]);
    const database = new URL(url).pathname.slice(1);
    // A backend leaves pg_stat_activity a moment after its client said goodbye.
    await vi.waitFor(
      () =>
        pg.server().exec(database, `DO $$ BEGIN
          IF (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) > 0 THEN
            RAISE EXCEPTION 'connections left open';
          END IF; END $$`),
      { timeout: 5_000 },
    );
  });
});
