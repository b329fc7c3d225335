/**
 * npm packages the host approves (issue 15, item 3), with real packages: csv-parse and
 * slugify, dev dependencies of this repository, copied into a packages folder the engine is
 * pointed at (packages.dir) with an allow-list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Failure } from '../../src/model.js';
import type { PersonaScope, WriteOutcome } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { fixturePackages, lockedVersion, type FixtureFolder } from '../helpers/fixture-packages.js';

let folder: FixtureFolder;
let engine: TestEngine;
let scope: PersonaScope;
const CSV = `csv-parse@${lockedVersion('csv-parse')}`;

beforeAll(async () => {
  folder = fixturePackages(['csv-parse', 'slugify']);
  engine = await startEngine({ packages: { dir: folder.dir, allow: ['csv-parse', 'slugify'] } });
  scope = engine.app.forPersona('default');
});
afterAll(async () => {
  await engine.close();
  folder.remove();
});

const PARSE_CSV = [
  'import { parse } from "csv-parse/browser/esm/sync";',
  '',
  'export default function (a: { text: string }) {',
  '  const rows: string[][] = parse(a.text);',
  '  return { rows: rows.length, first: rows[0] };',
  '}',
  '',
].join('\n');

async function saved(outcome: Promise<WriteOutcome>): Promise<void> {
  const out = await outcome;
  if (!out.ok) throw new Error(`expected the write to be saved: ${out.failure.message}`);
}

async function refused(outcome: Promise<WriteOutcome>): Promise<Failure> {
  const out = await outcome;
  if (out.ok) throw new Error('expected the write to be refused');
  return out.failure;
}

describe('a tool that imports an allowed package', () => {
  beforeAll(() => saved(scope.createTool({ name: 'parse_csv', description: 'Parses CSV.', code: PARSE_CSV })));

  it('runs the package code bundled into the version', async () => {
    expect(await scope.runTool('parse_csv', { text: 'a,b\n1,2\n' })).toMatchObject({ ok: true, result: { rows: 2, first: ['a', 'b'] } });
  });

  it('records the package with the version and integrity npm installed', async () => {
    const lock = JSON.parse(fs.readFileSync(path.join(folder.dir, '.package-lock.json'), 'utf8')) as { packages: Record<string, { integrity: string }> };
    expect((await scope.getTool('parse_csv')).dependencies).toEqual([
      { kind: 'package', name: 'csv-parse', version: lockedVersion('csv-parse'), integrity: lock.packages['node_modules/csv-parse']!.integrity, integrityOf: 'tarball' },
    ]);
  });

  it('shows a throw from inside the package as package frames, with the code frame at the agent’s line', async () => {
    const out = await scope.runTool('parse_csv', { text: 'a,b\n"unclosed,2\n' });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ kind: 'exception', name: 'Error', message: expect.stringMatching(/^Quote Not Closed/), properties: { code: 'CSV_QUOTE_NOT_CLOSED' } });
    const [inner] = out.failure.frames;
    expect(inner).toMatchObject({ package: CSV, file: 'csv-parse/dist/esm/sync.js', tool: 'parse_csv', version: 1 });
    const own = out.failure.frames.find((f) => f.package === undefined);
    expect(own).toMatchObject({ tool: 'parse_csv', file: 'parse_csv.ts', line: 4 });
    expect(out.failure.frames.indexOf(own!)).toBeGreaterThan(0);
    expect(out.failure.codeFrame).toContain('const rows: string[][] = parse(a.text);');
  });

  it('a later change of the packages folder never changes a saved version', async () => {
    const pinned = (await scope.getTool('parse_csv')).tool.hash;
    const file = path.join(folder.dir, 'csv-parse', 'dist', 'esm', 'sync.js');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, 'export const parse = () => { throw new Error("tampered"); };\n');
    try {
      expect(await scope.runTool('parse_csv', { text: 'x,y\n' })).toMatchObject({ ok: true, result: { rows: 1 } });
      expect((await scope.getTool('parse_csv')).tool.hash).toBe(pinned);
      // A new compile bundles what is there now, and can no longer claim npm's integrity for it.
      await saved(scope.createTool({ name: 'parse_csv_now', description: 'd', code: PARSE_CSV }));
      const now = (await scope.getTool('parse_csv_now')).dependencies[0];
      expect(now).toMatchObject({ kind: 'package', name: 'csv-parse' });
      expect(await scope.runTool('parse_csv_now', { text: 'x\n' })).toMatchObject({ ok: false, failure: { message: 'tampered' } });
    } finally {
      fs.writeFileSync(file, original);
    }
  });
});

describe('other packages and entries', () => {
  it('bundles a CommonJS (UMD) package with its default export', async () => {
    await saved(scope.createTool({ name: 'slug', description: 'd', code: 'import slugify from "slugify";\nexport default (a: { t: string }) => slugify(a.t, { lower: true });\n' }));
    expect(await scope.runTool('slug', { t: 'Hello World & You' })).toMatchObject({ ok: true, result: 'hello-world-and-you' });
    expect((await scope.getTool('slug')).dependencies).toMatchObject([{ kind: 'package', name: 'slugify', version: lockedVersion('slugify') }]);
  });

  it('an entry that expects Node fails inside the package as it loads, located, with what to do', async () => {
    const failure = await refused(scope.createTool({ name: 'node_entry', description: 'd', code: '// Node build\nimport { parse } from "csv-parse/sync";\nexport default () => parse("a,b\\n");\n' }));
    expect(failure.name).toBe('ReferenceError');
    const escaped = CSV.replace(/\./g, '\\.');
    expect(failure.message).toMatch(new RegExp(`^The module threw while loading: Buffer is not defined: package ${escaped} uses it \\(csv-parse/lib/api/index\\.js:\\d+\\)`));
    expect(failure.frames[0]).toMatchObject({ package: CSV, file: 'csv-parse/lib/api/index.js' });
    expect(failure.frames.at(-1)).toMatchObject({ tool: 'node_entry', function: '<module>', file: 'node_entry.ts', line: 2, column: 23 });
    expect(failure.codeFrame).toContain('import { parse } from "csv-parse/sync";');
    expect(failure.frames.at(-1)!.package).toBeUndefined();
  });

  it('records a hash of the files bundled when the folder has no lockfile', async () => {
    const bare = fixturePackages(['slugify'], { lock: false });
    const other = await startEngine({ packages: { dir: bare.dir, allow: ['slugify'] } });
    try {
      const s = other.app.forPersona('default');
      await saved(s.createTool({ name: 'slug', description: 'd', code: 'import slugify from "slugify";\nexport default () => slugify("a b");\n' }));
      const [dep] = (await s.getTool('slug')).dependencies;
      expect(dep).toMatchObject({ kind: 'package', name: 'slugify', integrityOf: 'files', integrity: expect.stringMatching(/^sha256-[A-Za-z0-9+/]{43}=$/) });
    } finally {
      await other.close();
      bare.remove();
    }
  });
});

describe('refused at create, located at the import', () => {
  it.each([
    ['a package off the allow-list', 'import chunk from "lodash/chunk"; chunk([1]);', /import "lodash\/chunk" is refused: package "lodash" is not in this server's packages\.allow \(it allows csv-parse, slugify\)/],
    ['a Node built-in', 'import { readFileSync } from "fs"; readFileSync("/etc/passwd");', /import "fs" is a Node built-in; tools run without Node's modules/],
    ['a node: built-in', 'import { exec } from "node:child_process"; exec("id");', /import "node:child_process" is a Node built-in/],
  ])('%s', async (label, line, message) => {
    const failure = await refused(scope.createTool({ name: `refused_${label.length}`, description: 'd', code: `// first line\n${line}\nexport default () => 1;\n` }));
    expect(failure).toMatchObject({ kind: 'compile', name: 'ImportError', frames: [{ line: 2 }] });
    expect(failure.message).toMatch(message);
    expect(failure.codeFrame).toContain(line);
  });

  it('an allowed package that imports a Node built-in, at the tool’s import of it', async () => {
    const failure = await refused(scope.createTool({ name: 'stream_csv', description: 'd', code: 'import { parse } from "csv-parse";\nexport default () => typeof parse;\n' }));
    expect(failure.message).toMatch(/^csv-parse\/lib\/index\.js:\d+:\d+: package "csv-parse" imports "stream", which is a Node built-in/);
    expect(failure.frames[0]).toMatchObject({ tool: 'stream_csv', line: 1 });
  });

  it('an allowed package that is not installed', async () => {
    const other = await startEngine({ packages: { dir: folder.dir, allow: ['csv-parse', 'left-pad'] } });
    try {
      const failure = await refused(other.app.forPersona('default').createTool({ name: 'pad', description: 'd', code: 'import leftPad from "left-pad";\nexport default () => leftPad("1", 3);\n' }));
      expect(failure.message).toMatch(/import "left-pad" cannot be resolved in the packages folder \(packages\.dir\).*chameleon packages add left-pad@VERSION/);
    } finally {
      await other.close();
    }
  });

  it('a bundle over packages.maxBundleBytes', async () => {
    const other = await startEngine({ packages: { dir: folder.dir, allow: ['csv-parse'], maxBundleBytes: 16 * 1024 } });
    try {
      const failure = await refused(other.app.forPersona('default').createTool({ name: 'big', description: 'd', code: PARSE_CSV }));
      expect(failure).toMatchObject({ kind: 'compile', name: 'BundleTooLarge' });
      expect(failure.message).toMatch(/packages\.maxBundleBytes is 16384.*csv-parse\/dist\/esm\/sync\.js/);
    } finally {
      await other.close();
    }
  });

  it('a tool without imports compiles as before: no dependencies', async () => {
    await saved(scope.createTool({ name: 'plain', description: 'd', code: '// no import here, only the word\nexport default () => 1;\n' }));
    expect((await scope.getTool('plain')).dependencies).toEqual([]);
  });
});
