/**
 * What every store keeps of tools and versions (src/store/tools.ts ToolStore, behind the async
 * contract): numbering, activation, rollback, deletion, reads, paging and persona isolation.
 */
import { expect, it } from 'vitest';

import { snapshot } from '../unit/store/fixtures.js';
import { eachStore, PERSONA } from './each-store.js';

const v = (n: number) => snapshot({ source: `export default () => ${String(n)};\n`, compiledJs: `module.exports.default = () => ${String(n)};\n` });

eachStore('tools and versions', (open) => {
  it('create() makes version 1 active; get() and getVersion() give it back as written', async () => {
    const store = await open();
    const made = await store.tools.create(PERSONA, 'add', v(1));
    expect(made).toMatchObject({ persona: PERSONA, toolName: 'add', version: 1, origin: { kind: 'create' }, kind: 'tool', gate: null, forced: false });
    expect(made.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await store.tools.get(PERSONA, 'add')).toMatchObject({ persona: PERSONA, name: 'add', activeVersion: 1, deletedAt: null });
    expect(await store.tools.getVersion(PERSONA, 'add')).toEqual(made);
    expect(await store.tools.getVersion(PERSONA, 'add', 1)).toEqual(made);
    expect(await store.tools.countLive(PERSONA)).toBe(1);
  });

  it('create() refuses a live name (TOOL_EXISTS) and a tool past maxLive (TOO_MANY_TOOLS)', async () => {
    const store = await open();
    await store.tools.create(PERSONA, 'add', v(1), 2);
    await expect(store.tools.create(PERSONA, 'add', v(2), 2)).rejects.toMatchObject({ code: 'TOOL_EXISTS' });
    await store.tools.create(PERSONA, 'mul', v(1), 2);
    await expect(store.tools.create(PERSONA, 'div', v(1), 2)).rejects.toMatchObject({ code: 'TOO_MANY_TOOLS' });
    expect(await store.tools.get(PERSONA, 'div')).toBeUndefined();
  });

  it('addVersion() numbers after the highest and activates, unless the gate refused it', async () => {
    const store = await open();
    await store.tools.create(PERSONA, 'add', v(1));
    expect(await store.tools.addVersion(PERSONA, 'add', v(2), { kind: 'update' })).toMatchObject({ version: 2, origin: { kind: 'update' } });
    const refused = await store.tools.addVersion(PERSONA, 'add', v(3), { kind: 'update' }, { report: null, forced: false, activate: false });
    expect(refused.version).toBe(3);
    expect((await store.tools.get(PERSONA, 'add'))?.activeVersion).toBe(2);
    expect((await store.tools.getVersion(PERSONA, 'add')).version).toBe(2);
    // A refused version keeps its number: the next one is 4, not 3.
    expect((await store.tools.addVersion(PERSONA, 'add', v(4), { kind: 'edit' })).version).toBe(4);
    expect((await store.tools.listVersions(PERSONA, 'add')).map((s) => s.version)).toEqual([1, 2, 3, 4]);
  });

  it('rollback() copies the version asked for as a new active version', async () => {
    const store = await open();
    const first = await store.tools.create(PERSONA, 'add', v(1));
    await store.tools.addVersion(PERSONA, 'add', v(2), { kind: 'update' });
    const back = await store.tools.rollback(PERSONA, 'add', 1);
    expect(back).toMatchObject({ version: 3, source: first.source, hash: first.hash, origin: { kind: 'rollback' } });
    expect((await store.tools.get(PERSONA, 'add'))?.activeVersion).toBe(3);
    await expect(store.tools.rollback(PERSONA, 'add', 9)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
  });

  it('versions stay gapless and unique when writes of one tool overlap', async () => {
    const store = await open();
    await store.tools.create(PERSONA, 'add', v(0));
    const made = await Promise.all(Array.from({ length: 12 }, (_, i) => store.tools.addVersion(PERSONA, 'add', v(i + 1), { kind: 'update' })));
    expect(made.map((m) => m.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
    expect((await store.tools.listVersions(PERSONA, 'add')).map((s) => s.version)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
  });

  it('listVersions() is oldest first and carries no code', async () => {
    const store = await open();
    await store.tools.create(PERSONA, 'add', v(1));
    await store.tools.addVersion(PERSONA, 'add', v(2), { kind: 'update' });
    const versions = await store.tools.listVersions(PERSONA, 'add');
    expect(versions.map((s) => s.version)).toEqual([1, 2]);
    for (const summary of versions) {
      expect(summary).not.toHaveProperty('source');
      expect(summary).not.toHaveProperty('compiledJs');
      expect(summary).not.toHaveProperty('sourceMap');
    }
    expect(versions[0]!.createdAt < versions[1]!.createdAt).toBe(true);
  });

  it('getVersion() of a missing tool or version says which (TOOL_NOT_FOUND, VERSION_NOT_FOUND)', async () => {
    const store = await open();
    await expect(store.tools.getVersion(PERSONA, 'nope')).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
    await store.tools.create(PERSONA, 'add', v(1));
    await expect(store.tools.getVersion(PERSONA, 'add', 2)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
  });

  it('delete() hides the tool but keeps its versions; create() revives it as the next version', async () => {
    const store = await open();
    await store.tools.create(PERSONA, 'add', v(1));
    await store.tools.addVersion(PERSONA, 'add', v(2), { kind: 'update' });
    const deleted = await store.tools.delete(PERSONA, 'add');
    expect(deleted.deletedAt).not.toBeNull();
    expect(await store.tools.get(PERSONA, 'add')).toBeUndefined();
    expect(await store.tools.list(PERSONA)).toEqual([]);
    expect(await store.tools.countLive(PERSONA)).toBe(0);
    await expect(store.tools.getVersion(PERSONA, 'add')).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
    // The log refers to deleted tools' versions: those stay readable.
    expect((await store.tools.getVersion(PERSONA, 'add', 2)).version).toBe(2);
    expect(await store.tools.listVersions(PERSONA, 'add')).toHaveLength(2);
    await expect(store.tools.delete(PERSONA, 'add')).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
    const revived = await store.tools.create(PERSONA, 'add', v(3));
    expect(revived.version).toBe(3);
    expect(await store.tools.get(PERSONA, 'add')).toMatchObject({ activeVersion: 3, deletedAt: null });
  });

  it('list() and listed() give live tools in name order, a page after a name at a time', async () => {
    const store = await open();
    for (const name of ['delta', 'alpha', 'charlie', 'bravo']) await store.tools.create(PERSONA, name, v(1));
    await store.tools.delete(PERSONA, 'charlie');
    expect((await store.tools.list(PERSONA)).map((t) => t.name)).toEqual(['alpha', 'bravo', 'delta']);
    expect((await store.tools.list(PERSONA, { after: 'alpha', limit: 1 })).map((t) => t.name)).toEqual(['bravo']);
    const first = await store.tools.listed(PERSONA, { after: '', limit: 2 });
    expect(first.tools.map((t) => t.name)).toEqual(['alpha', 'bravo']);
    expect(first.more).toBe(true);
    const rest = await store.tools.listed(PERSONA, { after: 'bravo', limit: 2 });
    expect(rest.tools.map((t) => t.name)).toEqual(['delta']);
    expect(rest.more).toBe(false);
    expect(rest.tools[0]).toMatchObject({ name: 'delta', description: v(1).description, inputSchema: v(1).inputSchema });
  });

  it("keeps each persona's tools apart", async () => {
    const store = await open();
    await store.tools.create(PERSONA, 'add', v(1));
    await store.tools.create('bob', 'add', v(2));
    await store.tools.addVersion('bob', 'add', v(3), { kind: 'update' });
    expect((await store.tools.get(PERSONA, 'add'))?.activeVersion).toBe(1);
    expect((await store.tools.get('bob', 'add'))?.activeVersion).toBe(2);
    expect(await store.tools.list('carol')).toEqual([]);
    await store.tools.delete('bob', 'add');
    expect(await store.tools.get(PERSONA, 'add')).toBeDefined();
  });
});
