/**
 * Export and import of libraries and of tools that bundle them or packages (issue 15): the file
 * carries each version's kind and pinned dependencies; an import compiles every version again
 * from its source, against the library versions it pinned and this server's packages.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { exportTools, importTools, parseExport, serializeExport, type ToolExport } from '../../src/service/transfer.js';
import { sqliteContract } from '../../src/store/sqlite-contract.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { fixturePackages, type FixtureFolder } from '../helpers/fixture-packages.js';

let folder: FixtureFolder;
let engine: TestEngine;
let file: ToolExport;

beforeAll(async () => {
  folder = fixturePackages(['slugify']);
  engine = await startEngine({ packages: { dir: folder.dir, allow: ['slugify'] } });
  const scope = engine.app.forPersona('default');
  const made = [
    await scope.createTool({ name: 'words', description: 'd', code: 'export const first = (s: string) => s.split(" ")[0] ?? "";\n', kind: 'library' }),
    await scope.createTool({ name: 'slug_first', description: 'd', code: 'import slugify from "slugify";\nimport { first } from "lib:words";\nexport default (a: { t: string }) => slugify(first(a.t)) + "!";\n' }),
    // The library moves on; the importer keeps version 1 of it, and so must the import.
    await scope.updateTool({ name: 'words', code: 'export const first = (s: string) => s.split(" ").at(-1) ?? "";\n' }),
  ];
  for (const out of made) expect(out.ok, out.ok ? '' : out.failure.message).toBe(true);
  await engine.app.close();
  const { openStoreAt } = await import('../../src/store/open.js');
  const store = await openStoreAt(engine.dbPath);
  file = parseExport(serializeExport(await exportTools(store, 'default')));
  await store.close();
});
afterAll(async () => {
  await engine.close();
  folder.remove();
});

it('the file carries kind and pinned dependencies, and an import runs the importer as it was', async () => {
  const words = file.tools.find((t) => t.name === 'words')!;
  expect(words.versions.map((v) => v.kind)).toEqual(['library', 'library']);
  const importer = file.tools.find((t) => t.name === 'slug_first')!.versions[0]!;
  expect(importer.dependencies).toMatchObject([{ kind: 'library', name: 'words', version: 1 }, { kind: 'package', name: 'slugify' }]);

  const target = await startEngine({ packages: { dir: folder.dir, allow: ['slugify'] } });
  try {
    const { openStore } = await import('../../src/store/index.js');
    const store = openStore(target.dbPath);
    try {
      const summary = await importTools(sqliteContract(store), 'default', file, parseConfig({ dbPath: target.dbPath, packages: { dir: folder.dir, allow: ['slugify'] } }));
      expect(summary.tools.map((t) => [t.name, t.recompiled])).toEqual([['slug_first', 0], ['words', 0]]);
    } finally {
      store.close();
    }
    const scope = target.app.forPersona('default');
    expect(await scope.runTool('slug_first', { t: 'Hello big world' })).toMatchObject({ ok: true, result: 'Hello!' });
    expect((await scope.getTool('words')).importers).toEqual([{ name: 'slug_first', activeVersion: 1, libraryVersion: 1, current: false }]);
  } finally {
    await target.close();
  }
});

it('an import is refused when this server lacks a package version a tool bundled', async () => {
  const target = await startEngine();
  try {
    const { openStore } = await import('../../src/store/index.js');
    const store = openStore(target.dbPath);
    try {
      const refused = importTools(sqliteContract(store), 'default', file, parseConfig({ dbPath: target.dbPath, packages: { allow: ['slugify'] } }));
      await expect(refused).rejects.toMatchObject({
        message: expect.stringMatching(/version 1 of tool `slug_first`: the source does not compile: slug_first\.ts:1:21: import "slugify": .* It bundled slugify@[\d.]+: install it here \(`chameleon packages add slugify@[\d.]+`\) and allow it in packages\.allow/),
      });
    } finally {
      store.close();
    }
  } finally {
    await target.close();
  }
});
