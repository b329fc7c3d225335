/**
 * What a replica reads: never a stale active version once another pool's commit is visible, and
 * never a version whose row no longer matches its hash, cached or not.
 */
import { describe, expect, it } from 'vitest';

import { snapshot } from '../fixtures.js';
import { unavailable, usePostgres } from './pg-fixtures.js';

const pg = usePostgres();

describe.skipIf(unavailable !== null)('reading versions on PostgreSQL', () => {
  it('getVersion() serves the version another pool just committed, and after its rollback the copy', async () => {
    const url = await pg.freshDatabase();
    const [reader, writer] = [await pg.openOn(url), await pg.openOn(url)];
    await writer.tools.create('default', 'add', snapshot());
    expect((await reader.tools.getVersion('default', 'add')).version).toBe(1);
    for (let i = 2; i <= 6; i++) {
      const written = await writer.tools.addVersion('default', 'add', snapshot({ description: `v${String(i)}` }), { kind: 'update' });
      const read = await reader.tools.getVersion('default', 'add');
      expect([read.version, read.description]).toEqual([written.version, `v${String(i)}`]);
    }
    await writer.tools.rollback('default', 'add', 1);
    expect(await reader.tools.getVersion('default', 'add')).toMatchObject({ version: 7, description: 'Adds two numbers.' });
    await writer.tools.delete('default', 'add');
    await expect(reader.tools.getVersion('default', 'add')).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
  });

  it('a version row edited behind the store fails with INTEGRITY, also after it was read (and cached) before', async () => {
    const url = await pg.freshDatabase();
    const store = await pg.openOn(url);
    await store.tools.create('default', 'add', snapshot());
    await store.tools.addVersion('default', 'add', snapshot({ description: 'v2' }), { kind: 'update' });
    expect((await store.tools.getVersion('default', 'add')).version).toBe(2);
    expect((await store.tools.getVersion('default', 'add', 1)).version).toBe(1);
    const database = new URL(url).pathname.slice(1);
    await pg.server().exec(database, "UPDATE versions SET compiled_js = 'module.exports.default = () => 666;' WHERE version = 2");
    await expect(store.tools.getVersion('default', 'add')).rejects.toMatchObject({ code: 'INTEGRITY', message: expect.stringContaining('Version 2 of tool `add` failed its integrity check') });
    await pg.server().exec(database, "UPDATE versions SET input_schema = 'not json' WHERE version = 1");
    await expect(store.tools.getVersion('default', 'add', 1)).rejects.toMatchObject({ code: 'INTEGRITY' });
    await expect(store.tools.rollback('default', 'add', 1)).rejects.toMatchObject({ code: 'INTEGRITY' });
    expect((await store.tools.listVersions('default', 'add')).map((v) => v.version)).toEqual([1, 2]);
  });

  it('a record returned from the cache is a copy: changing it does not change the next read', async () => {
    const store = await pg.openOn(await pg.freshDatabase());
    await store.tools.create('default', 'add', snapshot());
    const first = await store.tools.getVersion('default', 'add');
    first.description = 'changed by a caller';
    expect((await store.tools.getVersion('default', 'add')).description).toBe('Adds two numbers.');
  });
});
