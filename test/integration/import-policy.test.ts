/**
 * `chameleon tools import` must not be a way around the server's policy: a file goes through
 * the checks create_tool/update_tool make (issue 12, item 10). Every tampered file below has its
 * hash recomputed, as whoever edits a file can do: the hash catches damage, not intent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type ConfigInput } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { exportTools, importTools, parseExport, serializeExport, type ToolExport } from '../../src/service/transfer.js';
import { sqliteContract } from '../../src/store/sqlite-contract.js';
import { hashSnapshot, openStore, type ImportedVersion, type Store } from '../../src/store/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dir.js';
import { spawnCli } from '../unit/cli/program.js';

let engine: TestEngine;
let exported: string;

const GREET = 'export default function () {\n  return "from the source";\n}\n';
// Comment padding makes a source of ~5 KB: within the engine's limit, over a 4 KB one.
const WORDY = `${'// padding line to make the source long enough\n'.repeat(100)}export default () => 1;\n`;

beforeAll(async () => {
  // A permissive server, as the file's origin may be: its limits are above the defaults.
  engine = await startEngine({ limits: { maxTimeoutMs: 600_000, maxMemoryMb: 4_096 } });
  const scope = engine.app.forPersona('default');
  expect((await scope.createTool({ name: 'greet', description: 'Greets.', code: GREET })).ok).toBe(true);
  expect((await scope.createTool({ name: 'hog', description: 'Large limits.', code: 'export default () => 1;', timeoutMs: 600_000, memoryMb: 4_096 })).ok).toBe(true);
  expect((await scope.createTool({ name: 'wordy', description: 'Long source.', code: WORDY })).ok).toBe(true);
  const store = openStore(engine.dbPath);
  exported = serializeExport(await exportTools(sqliteContract(store), 'default'));
  store.close();
});
afterAll(() => engine.close());

const stores: Store[] = [];
afterAll(() => stores.forEach((s) => s.close()));
function emptyStore(): { store: Store; file: string } {
  const file = path.join(tempDir('chameleon-import-policy-'), 'target.db');
  const store = openStore(file);
  stores.push(store);
  return { store, file };
}
/** The file with only the named tools, after `change` (hashes recomputed, as an attacker would). */
function fileWith(names: string[], change: (versionOf: (name: string) => ImportedVersion, data: ToolExport) => void = () => {}): ToolExport {
  const data = parseExport(exported);
  data.tools = data.tools.filter((t) => names.includes(t.name));
  change((name) => data.tools.find((t) => t.name === name)!.versions[0]!, data);
  for (const v of data.tools.flatMap((t) => t.versions)) v.hash = hashSnapshot(v);
  return data;
}
const config = (input: Partial<ConfigInput> = {}) => parseConfig({ dbPath: ':memory:', ...input });
async function refusal(run: Promise<unknown>): Promise<AppError> {
  const error = await run.then(
    () => new Error('the import was accepted'),
    (err: unknown) => err,
  );
  if (error instanceof AppError) return error;
  throw error;
}

describe('importTools()', () => {
  it('refuses limits above the config maxima, naming the tool, the version and what to change, and imports nothing', async () => {
    const { store } = emptyStore();
    const error = await refusal(importTools(sqliteContract(store), 'default', fileWith(['greet', 'hog']), config({ limits: { maxTimeoutMs: 1_000, defaultTimeoutMs: 1_000 } })));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/version 1 of tool `hog`: timeout_ms 600000 is above this server's limits\.maxTimeoutMs \(1000\)/);
    expect(error.message).toMatch(/version 1 of tool `hog`: memory_mb 4096 is above this server's limits\.maxMemoryMb \(512\)/);
    expect(error.message).toMatch(/--config/);
    expect(error.message).toMatch(/Nothing was imported/);
    expect(store.tools.list('default')).toEqual([]);
  });

  it('accepts the same limits when the config allows them', async () => {
    const { store } = emptyStore();
    await importTools(sqliteContract(store), 'default', fileWith(['hog']), config({ limits: { maxTimeoutMs: 600_000, maxMemoryMb: 4_096 } }));
    expect(store.tools.getVersion('default', 'hog').limits).toEqual({ timeoutMs: 600_000, memoryMb: 4_096 });
  });

  it('refuses a source over payload.maxSourceBytes', async () => {
    const { store } = emptyStore();
    const error = await refusal(importTools(sqliteContract(store), 'default', fileWith(['greet', 'wordy']), config({ payload: { maxSourceBytes: 4_096 } })));
    expect(error.message).toMatch(/version 1 of tool `wordy`: the source is \d+ bytes; this server's payload\.maxSourceBytes is 4096/);
    expect(store.tools.list('default')).toEqual([]);
  });

  it('compiles the source again and stores that, never the compiled code of the file', async () => {
    const { store } = emptyStore();
    const honest = fileWith(['greet']).tools[0]!.versions[0]!.compiledJs;
    const data = fileWith(['greet'], (v) => (v('greet').compiledJs = v('greet').compiledJs.replace('from the source', 'hidden from get_tool')));
    const summary = await importTools(sqliteContract(store), 'default', data, config());
    const stored = store.tools.getVersion('default', 'greet');
    expect(stored.compiledJs).toBe(honest);
    expect(stored.compiledJs).not.toContain('hidden from get_tool');
    expect(summary.tools[0]).toMatchObject({ name: 'greet', recompiled: 1 });
  });

  it('refuses a source that does not compile', async () => {
    const { store } = emptyStore();
    const data = fileWith(['greet'], (v) => (v('greet').source = 'export default (;\n'));
    const error = await refusal(importTools(sqliteContract(store), 'default', data, config()));
    expect(error.message).toMatch(/version 1 of tool `greet`: the source does not compile/);
  });

  it('refuses version numbers no tool reaches by updates, which would leave no room for the next one', async () => {
    const { store } = emptyStore();
    const data = fileWith(['greet'], (v, d) => {
      v('greet').version = Number.MAX_SAFE_INTEGER - 1;
      d.tools[0]!.activeVersion = Number.MAX_SAFE_INTEGER - 1;
    });
    const error = await refusal(importTools(sqliteContract(store), 'default', data, config()));
    expect(error.message).toMatch(/tool `greet`: version 9007199254740990 is above 1000000/);
    expect(store.tools.list('default')).toEqual([]);
  });

  it('refuses a schema with a catastrophic pattern, as create_tool does', async () => {
    const { store } = emptyStore();
    const data = fileWith(['greet'], (v) => (v('greet').inputSchema = { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } }));
    const error = await refusal(importTools(sqliteContract(store), 'default', data, config()));
    expect(error.message).toMatch(/version 1 of tool `greet`: The regular expression at input_schema\.properties\.s\.pattern/);
  });
});

describe('chameleon tools import (the built CLI)', () => {
  it('refuses a 200,000-deep schema with a message instead of overflowing the stack', () => {
    const dir = tempDir();
    const data = fileWith(['greet']);
    // Built as text: the object would be too deep for JSON.stringify itself.
    const deep = `${'{"not":'.repeat(200_000)}{}${'}'.repeat(200_000)}`;
    const text = JSON.stringify(data).replace('{"type":"object"}', `{"type":"object","properties":{"x":${deep}}}`);
    expect(text).toContain(deep);
    const file = path.join(dir, 'deep.json');
    fs.writeFileSync(file, text);
    const r = spawnCli(['tools', 'import', file, '--db', path.join(dir, 't.db')]);
    expect(r.stderr).not.toMatch(/RangeError|Maximum call stack|incident/i);
    expect(r.stderr).toMatch(/version 1 of tool `greet`: input_schema is nested deeper than \d+ levels/);
    expect(r.status).toBe(2);
  });

  it('applies the maxima of --config', () => {
    const dir = tempDir();
    const file = path.join(dir, 'hog.json');
    fs.writeFileSync(file, serializeExport(fileWith(['hog'])));
    const strict = path.join(dir, 'strict.json');
    fs.writeFileSync(strict, JSON.stringify({ limits: { maxTimeoutMs: 1_000, defaultTimeoutMs: 1_000 } }));
    const refused = spawnCli(['tools', 'import', file, '--db', path.join(dir, 't.db'), '--config', strict]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/timeout_ms 600000 is above this server's limits\.maxTimeoutMs \(1000\)/);
    const roomy = path.join(dir, 'roomy.json');
    fs.writeFileSync(roomy, JSON.stringify({ limits: { maxTimeoutMs: 600_000, maxMemoryMb: 4_096 } }));
    expect(spawnCli(['tools', 'import', file, '--db', path.join(dir, 't.db'), '--config', roomy]).status).toBe(0);
  });
});
