import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dir.js';
import { fakeRuntime } from '../unit/cli/fake-runtime.js';
import { runCli, spawnCli } from '../unit/cli/program.js';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let engine: TestEngine;

beforeAll(async () => {
  engine = await startEngine();
  const scope = engine.app.forPersona('default');
  expect((await scope.createTool({ name: 'add', description: 'Adds \u001b[2Jtwo numbers.', code: 'export default ({ a, b }: { a: number; b: number }) => a - b;\n' })).ok).toBe(true);
  expect((await scope.updateTool({ name: 'add', code: '// fixed \u001b]0;title\u0007\nexport default ({ a, b }: { a: number; b: number }) => a + b;\n' })).ok).toBe(true);
  expect((await scope.createTool({ name: 'echo', description: 'Echoes.', code: 'export default (x: unknown) => x;', language: 'typescript' })).ok).toBe(true);
  await scope.runTool('add', { a: 1, b: 2 });
});
afterAll(() => engine.close());

describe('chameleon tools (in process)', () => {
  it('list shows each tool with its active version, language and last call', async () => {
    const { code, rt } = await runCli(['tools', 'list', '--db', engine.dbPath]);
    expect(code).toBe(0);
    const lines = rt.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+VERSION\s+LANGUAGE\s+LAST CALL\s+UPDATED \(UTC\)\s+DESCRIPTION$/);
    expect(lines[1]).toMatch(/^add\s+2 of 2\s+typescript\s+SUCCESS\s+\S+ \S+\s+Adds two numbers\.$/);
    expect(lines[2]).toMatch(/^echo\s+1 of 1\s+typescript\s+never/);
    expect(rt.out()).not.toMatch(UNSAFE);
  });

  it('show prints metadata, versions and numbered source; --version picks an older one', async () => {
    const active = await runCli(['tools', 'show', 'add', '--db', engine.dbPath]);
    expect(active.rt.out()).toMatch(/^add \(version 2, active\)/);
    expect(active.rt.out()).toMatch(/1\s+create/);
    expect(active.rt.out()).toMatch(/2 \*\s+update/);
    expect(active.rt.out()).toContain('2 | export default ({ a, b }: { a: number; b: number }) => a + b;');
    expect(active.rt.out()).not.toMatch(UNSAFE);
    const old = await runCli(['tools', 'show', 'add', '--version', '1', '--db', engine.dbPath]);
    expect(old.rt.out()).toMatch(/^add \(version 1; active is 2\)/);
    expect(old.rt.out()).toContain('=> a - b;');
    await expect(runCli(['tools', 'show', 'nope', '--db', engine.dbPath])).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
    await expect(runCli(['tools', 'show', 'add', '--version', '7', '--db', engine.dbPath])).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
  });

  it('export --out, import into an empty database, export again: the same bytes', async () => {
    const dir = tempDir();
    const first = path.join(dir, 'first.json');
    const second = path.join(dir, 'second.json');
    const target = path.join(dir, 'target.db');
    const exported = await runCli(['tools', 'export', '--db', engine.dbPath, '--out', first]);
    expect(exported.rt.out()).toMatch(/Exported 2 tools \(3 versions\) of persona default to/);
    const imported = await runCli(['tools', 'import', first, '--db', target]);
    expect(imported.rt.out()).toMatch(/Imported 2 tools into persona default: add \(2 versions, active 2\), echo \(1 version, active 1\)\./);
    await runCli(['tools', 'export', '--db', target, '--out', second]);
    expect(fs.readFileSync(second, 'utf8')).toBe(fs.readFileSync(first, 'utf8'));
    // Without --out the file goes to stdout, byte for byte.
    const toStdout = await runCli(['tools', 'export', '--db', target]);
    expect(toStdout.rt.out()).toBe(fs.readFileSync(first, 'utf8'));
  });

  it('import reads stdin with -, and refuses a second import of the same tools', async () => {
    const text = (await runCli(['tools', 'export', 'echo', '--db', engine.dbPath])).rt.out();
    const target = path.join(tempDir(), 'target.db');
    const first = await runCli(['tools', 'import', '-', '--db', target, '--persona', 'carol'], fakeRuntime({ stdin: text }));
    expect(first.rt.out()).toMatch(/Imported 1 tool into persona carol: echo/);
    await expect(runCli(['tools', 'import', '-', '--db', target, '--persona', 'carol'], fakeRuntime({ stdin: text }))).rejects.toMatchObject({ code: 'TOOL_EXISTS' });
  });

  it('import refuses a tampered file and leaves the database as it was', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'tools.json');
    await runCli(['tools', 'export', '--db', engine.dbPath, '--out', file]);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('=> a + b', '=> a * b'));
    const target = path.join(dir, 'target.db');
    await expect(runCli(['tools', 'import', file, '--db', target])).rejects.toThrow(/version 2 of tool `add` does not match its hash/);
    expect((await runCli(['tools', 'list', '--db', target])).rt.err()).toMatch(/has no tools/);
  });

  it('reading commands refuse a database that does not exist instead of creating it', async () => {
    const missing = path.join(tempDir(), 'missing.db');
    await expect(runCli(['tools', 'list', '--db', missing])).rejects.toThrow(/No database at/);
    expect(fs.existsSync(missing)).toBe(false);
  });
});

describe('chameleon tools (the built CLI)', () => {
  it('round-trips through files with the real binary', () => {
    const dir = tempDir();
    const first = path.join(dir, 'a.json');
    const second = path.join(dir, 'b.json');
    expect(spawnCli(['tools', 'export', '--db', engine.dbPath, '--out', first]).status).toBe(0);
    expect(spawnCli(['tools', 'import', first, '--db', path.join(dir, 't.db')]).status).toBe(0);
    expect(spawnCli(['tools', 'export', '--db', path.join(dir, 't.db'), '--out', second]).status).toBe(0);
    expect(fs.readFileSync(second, 'utf8')).toBe(fs.readFileSync(first, 'utf8'));
    const show = spawnCli(['tools', 'show', 'add', '--version', '1', '--db', engine.dbPath]);
    expect(show.stdout).toMatch(/^add \(version 1; active is 2\)/);
  });

  it('a refused import exits 2 with every problem on stderr', () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.json');
    spawnCli(['tools', 'export', '--db', engine.dbPath, '--out', file]);
    const r = spawnCli(['tools', 'import', file, '--db', engine.dbPath]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Nothing was imported:\n {2}- tool `add` already exists/);
  });
});
