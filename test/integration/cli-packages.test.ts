/**
 * `chameleon packages add|list` (issue 15): the built CLI runs npm for real, into the default
 * packages folder beside the database (npm's cache has the package: it is a dev dependency of
 * this repository, and `prefer-offline` lets npm take it from there), and a server on that
 * database bundles it with the integrity npm recorded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { startEngine } from '../helpers/engine.js';
import { lockedVersion } from '../helpers/fixture-packages.js';
import { tempDir } from '../helpers/temp-dir.js';
import { spawnCli } from '../unit/cli/program.js';

const VERSION = lockedVersion('slugify');
const ENV = { npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' };

it('packages add installs one exact version beside the database, and a tool bundles it', async () => {
  const dir = tempDir('chameleon-cli-packages-');
  const db = path.join(dir, 'chameleon.db');
  const added = spawnCli(['packages', 'add', `slugify@${VERSION}`, '--db', db], { env: ENV });
  expect(added.status, added.stderr).toBe(0);
  const folder = path.join(dir, 'packages', 'node_modules');
  expect(added.stdout).toBe(`Installed slugify@${VERSION} into ${folder}.\n`);
  expect(added.stderr).toMatch(/--ignore-scripts/);
  expect(added.stderr).toContain('Tools cannot import it yet: add "slugify" to packages.allow');
  const lock = JSON.parse(fs.readFileSync(path.join(folder, '.package-lock.json'), 'utf8')) as { packages: Record<string, { integrity?: string }> };
  const integrity = lock.packages['node_modules/slugify']?.integrity;
  expect(integrity).toMatch(/^sha512-/);

  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ packages: { allow: ['slugify', 'csv-parse'] } }));
  const listed = spawnCli(['packages', 'list', '--db', db, '--config', config]);
  expect(listed.status, listed.stderr).toBe(0);
  expect(listed.stdout).toBe(`slugify@${VERSION}\ncsv-parse  (allowed, not installed)\n`);

  const engine = await startEngine({ dbPath: db, packages: { allow: ['slugify'] } });
  try {
    const scope = engine.app.forPersona('default');
    const out = await scope.createTool({ name: 'slug', description: 'd', code: 'import slugify from "slugify";\nexport default (a: { t: string }) => slugify(a.t);\n' });
    expect(out.ok, out.ok ? '' : out.failure.message).toBe(true);
    expect((await scope.getTool('slug')).dependencies).toEqual([{ kind: 'package', name: 'slugify', version: VERSION, integrity, integrityOf: 'tarball' }]);
    expect(await scope.runTool('slug', { t: 'a b' })).toMatchObject({ ok: true, result: 'a-b' });
  } finally {
    await engine.close();
  }
});

it('packages add refuses a range or a tag: the folder holds exact versions', () => {
  const dir = tempDir('chameleon-cli-packages-');
  for (const spec of ['slugify@^1.6.0', 'slugify@latest', 'slugify', '../evil@1.0.0']) {
    const out = spawnCli(['packages', 'add', spec, '--db', path.join(dir, 'c.db')]);
    expect(out.status, spec).toBe(2);
    expect(out.stderr, spec).toMatch(/is not NAME@VERSION with an exact version/);
  }
  expect(fs.existsSync(path.join(dir, 'packages'))).toBe(false);
});
