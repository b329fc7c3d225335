import { describe, expect, it } from 'vitest';

import { hashSnapshot } from '../../../../src/store/hash.js';
import { snapshot } from '../fixtures.js';
import { unavailable, usePostgres } from './pg-fixtures.js';

const pg = usePostgres();
const open = async () => pg.openOn(await pg.freshDatabase());

describe.skipIf(unavailable !== null)('the PostgreSQL tool store keeps the SQLite store semantics', () => {
  it('create() makes version 1 active; addVersion() numbers 2 and activates it; get() and list() show the live tool', async () => {
    const { tools } = await open();
    const v1 = await tools.create('default', 'add', snapshot());
    expect(v1).toMatchObject({ persona: 'default', toolName: 'add', version: 1, origin: { kind: 'create' }, hash: hashSnapshot(snapshot()), kind: 'tool', dependencies: [] });
    const v2 = await tools.addVersion('default', 'add', snapshot({ description: 'Adds.' }), { kind: 'update' });
    expect(v2).toMatchObject({ version: 2, description: 'Adds.', origin: { kind: 'update' } });
    expect(await tools.get('default', 'add')).toMatchObject({ name: 'add', activeVersion: 2, deletedAt: null });
    expect((await tools.getVersion('default', 'add')).version).toBe(2);
    expect((await tools.getVersion('default', 'add', 1)).description).toBe('Adds two numbers.');
    expect((await tools.list('default')).map((t) => t.name)).toEqual(['add']);
    expect(await tools.get('other', 'add')).toBeUndefined();
  });

  it('create() refuses a live name with TOOL_EXISTS and a full persona with TOO_MANY_TOOLS', async () => {
    const { tools } = await open();
    await tools.create('default', 'a', snapshot());
    await expect(tools.create('default', 'a', snapshot())).rejects.toMatchObject({ code: 'TOOL_EXISTS' });
    await expect(tools.create('default', 'b', snapshot(), 1)).rejects.toMatchObject({ code: 'TOO_MANY_TOOLS', message: expect.stringContaining('limits.maxToolsPerPersona = 1') });
    await tools.create('other', 'b', snapshot(), 1);
  });

  it('a version the gate refused is saved inactive and keeps its number; the next is numbered after it', async () => {
    const { tools } = await open();
    await tools.create('default', 'add', snapshot());
    const refused = await tools.addVersion('default', 'add', snapshot({ description: 'bad' }), { kind: 'update' }, { report: { cases: [] } as never, forced: false, activate: false });
    expect(refused.version).toBe(2);
    expect((await tools.getVersion('default', 'add')).version).toBe(1);
    expect((await tools.addVersion('default', 'add', snapshot(), { kind: 'edit' })).version).toBe(3);
    expect((await tools.listVersions('default', 'add')).map((v) => [v.version, v.origin.kind, v.gate === null])).toEqual([
      [1, 'create', true],
      [2, 'update', false],
      [3, 'edit', true],
    ]);
  });

  it('rollback() copies an old version as max+1 with its diagnostics; delete() hides the tool and keeps its versions; create() revives it', async () => {
    const { tools, diagnostics } = await open();
    await tools.create('default', 'add', snapshot());
    await diagnostics.set('default', 'add', 1, '[{"code":1}]');
    await tools.addVersion('default', 'add', snapshot({ description: 'v2' }), { kind: 'update' });
    const back = await tools.rollback('default', 'add', 1);
    expect(back).toMatchObject({ version: 3, origin: { kind: 'rollback', fromVersion: 1 }, description: 'Adds two numbers.' });
    expect(await diagnostics.get('default', 'add', 3)).toBe('[{"code":1}]');
    await expect(tools.rollback('default', 'add', 9)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND', message: expect.stringContaining('Its versions are: 1, 2, 3.') });

    const deleted = await tools.delete('default', 'add');
    expect(deleted.deletedAt).not.toBeNull();
    expect(await tools.get('default', 'add')).toBeUndefined();
    await expect(tools.getVersion('default', 'add')).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
    expect((await tools.getVersion('default', 'add', 2)).description).toBe('v2');
    expect(await tools.countLive('default')).toBe(0);

    const revived = await tools.create('default', 'add', snapshot({ description: 'again' }));
    expect(revived.version).toBe(4);
    expect(await tools.countLive('default')).toBe(1);
  });

  it('listed() pages live tools in byte order, leaves libraries out, and says whether there are more', async () => {
    const { tools } = await open();
    for (const name of ['b_x', 'bx', 'a', 'lib', 'c']) await tools.create('default', name, snapshot(name === 'lib' ? { kind: 'library' } : {}));
    const first = await tools.listed('default', { after: '', limit: 2 });
    expect(first.tools.map((t) => t.name)).toEqual(['a', 'b_x']);
    expect(first.more).toBe(true);
    const rest = await tools.listed('default', { after: 'b_x', limit: 10 });
    expect(rest.tools.map((t) => t.name)).toEqual(['bx', 'c']);
    expect(rest.more).toBe(false);
    expect(first.tools[0]?.inputSchema).toMatchObject({ type: 'object', required: ['a', 'b'] });
    expect((await tools.list('default', { after: 'b_x', limit: 2 })).map((t) => t.name)).toEqual(['bx', 'c']);
    expect(await tools.countLive('default')).toBe(5);
  });

  it('importersOf() lists the live tools whose active version bundles the library', async () => {
    const { tools } = await open();
    await tools.create('default', 'lib', snapshot({ kind: 'library' }));
    const dep = { kind: 'library' as const, name: 'lib', version: 1, hash: 'h' };
    await tools.create('default', 'user_a', snapshot({ dependencies: [dep] }));
    await tools.create('default', 'user_b', snapshot({ dependencies: [{ ...dep, name: 'other' }] }));
    expect(await tools.importersOf('default', 'lib')).toEqual([{ name: 'user_a', activeVersion: 1, libraryVersion: 1 }]);
  });

  it('importTools() keeps numbers, hashes and the active version, and refuses a clash or a bad hash writing nothing', async () => {
    const { tools } = await open();
    const s = snapshot();
    const version = (n: number, origin = { kind: 'create' as const }) => ({ ...s, version: n, hash: hashSnapshot(s), origin, createdAt: '2026-01-01T00:00:00.000Z' });
    const imported = { name: 'imp', activeVersion: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z', versions: [version(1), version(2, { kind: 'update' } as never)] };
    await tools.importTools('default', [imported]);
    expect(await tools.get('default', 'imp')).toMatchObject({ activeVersion: 1, updatedAt: '2026-01-02T00:00:00.000Z' });
    expect((await tools.getVersion('default', 'imp', 2)).hash).toBe(hashSnapshot(s));

    await expect(tools.importTools('default', [{ ...imported, name: 'new_one' }, imported])).rejects.toMatchObject({ code: 'TOOL_EXISTS' });
    expect(await tools.get('default', 'new_one')).toBeUndefined();
    await expect(tools.importTools('default', [{ ...imported, name: 'bad', versions: [{ ...version(1), hash: 'x' }] }])).rejects.toMatchObject({ code: 'INTEGRITY' });
    await expect(tools.importTools('default', [{ ...imported, name: 'full' }], 1)).rejects.toMatchObject({ code: 'TOO_MANY_TOOLS' });
    expect(await tools.countLive('default')).toBe(1);
  });

  it('a closed store fails with STORE_FAILURE', async () => {
    const store = await open();
    await store.close();
    await store.close();
    await expect(store.tools.get('default', 'x')).rejects.toMatchObject({ code: 'STORE_FAILURE' });
  });
});
