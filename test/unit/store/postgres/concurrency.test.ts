/**
 * Version numbers stay gapless and unique when writers in different pools (as replicas are)
 * write one tool at once; a name and a persona's last place go to one creator only.
 */
import { describe, expect, it } from 'vitest';

import { snapshot } from '../fixtures.js';
import { unavailable, usePostgres } from './pg-fixtures.js';

const pg = usePostgres();

describe.skipIf(unavailable !== null)('concurrent writers on PostgreSQL', () => {
  it('2 pools x 20 concurrent addVersion give versions 1..41 exactly, the active one the last', async () => {
    const url = await pg.freshDatabase();
    const [a, b] = [await pg.openOn(url), await pg.openOn(url)];
    await a.tools.create('default', 'hot', snapshot());
    const writes = [a, b].flatMap((store, s) =>
      Array.from({ length: 20 }, (_, i) => store.tools.addVersion('default', 'hot', snapshot({ description: `pool ${String(s)} write ${String(i)}` }), { kind: 'update' })),
    );
    const made = (await Promise.all(writes)).map((v) => v.version).sort((x, y) => x - y);
    expect(made).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
    const listed = (await b.tools.listVersions('default', 'hot')).map((v) => v.version);
    expect(listed).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    expect((await a.tools.get('default', 'hot'))?.activeVersion).toBe(41);
    expect((await b.tools.getVersion('default', 'hot')).version).toBe(41);
  });

  it('two pools creating one new name at once: one succeeds, the other is told TOOL_EXISTS', async () => {
    const url = await pg.freshDatabase();
    const [a, b] = [await pg.openOn(url), await pg.openOn(url)];
    for (let round = 0; round < 5; round++) {
      const name = `race_${String(round)}`;
      const outcomes = await Promise.allSettled([a.tools.create('default', name, snapshot()), b.tools.create('default', name, snapshot())]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === 'rejected');
      expect(refused?.status === 'rejected' ? refused.reason : null).toMatchObject({ code: 'TOOL_EXISTS' });
      expect((await a.tools.listVersions('default', name)).map((v) => v.version)).toEqual([1]);
    }
  });

  it('maxLive holds under concurrent creates from two pools', async () => {
    const url = await pg.freshDatabase();
    const [a, b] = [await pg.openOn(url), await pg.openOn(url)];
    const creates = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).tools.create('default', `t${String(i)}`, snapshot(), 5));
    const outcomes = await Promise.allSettled(creates);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'TOO_MANY_TOOLS' });
    expect(await a.tools.countLive('default')).toBe(5);
  });
});
