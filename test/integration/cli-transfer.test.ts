import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { exportTools, importTools, parseExport, serializeExport, type ToolExport } from '../../src/service/transfer.js';
import { sqliteContract } from '../../src/store/sqlite-contract.js';
import { openStore, type Store } from '../../src/store/index.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { createChameleon } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dir.js';

let engine: TestEngine;
let exported: string;

const ADD_V1 = 'export default function ({ a, b }: { a: number; b: number }) {\n  return { sum: a - b };\n}\n';
const ADD_V2 = 'export default function ({ a, b }: { a: number; b: number }) {\n  return { sum: a + b };\n}\n';
// Characters JSON.stringify leaves raw but a terminal may act on: the file must escape them.
const SNEAKY = 'Says hello \u009b31m loudly \u202e';

beforeAll(async () => {
  engine = await startEngine();
  const scope = engine.app.forPersona('default');
  // A "__proto__" key must survive the trip as data (JSON.parse makes it an own property).
  const withProto = JSON.parse('{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"__proto__":{"x":1},"required":["a","b"]}') as Record<string, unknown>;
  expect((await scope.createTool({ name: 'add', description: 'Adds.', code: ADD_V1, inputSchema: withProto })).ok).toBe(true);
  expect((await scope.updateTool({ name: 'add', code: ADD_V2 })).ok).toBe(true);
  await scope.rollbackTool('add', 1);
  await scope.rollbackTool('add', 2);
  expect((await scope.updateTool({ name: 'add', description: 'Adds two numbers.', timeoutMs: 2000 })).ok).toBe(true);
  expect((await scope.createTool({ name: 'hello', description: SNEAKY, code: `export default () => "hi ${'\\u202e'}";`, language: 'javascript' })).ok).toBe(true);
  expect((await scope.createTool({ name: 'gone', description: 'Deleted.', code: 'export default () => 1;' })).ok).toBe(true);
  await scope.deleteTool('gone');
  expect((await engine.app.forPersona('bob').createTool({ name: 'bobs', description: 'Not ours.', code: 'export default () => 2;' })).ok).toBe(true);
  exported = serializeExport(await exportTools(sqliteContract(storeOf(engine.dbPath)), 'default'));
});
afterAll(() => engine.close());

const openStores: Store[] = [];
afterAll(() => openStores.forEach((s) => s.close()));
function storeOf(file: string): Store {
  const store = openStore(file);
  openStores.push(store);
  return store;
}
function emptyStore(): { store: Store; file: string } {
  const file = path.join(tempDir('chameleon-transfer-'), 'target.db');
  return { store: storeOf(file), file };
}
function catchAppError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}
const clone = (): ToolExport => parseExport(exported);
/** The defaults of a server: every tool above was made under them. */
const POLICY = parseConfig({ dbPath: ':memory:' });
async function refusal(run: Promise<unknown>): Promise<AppError> {
  const error = await run.then(
    () => new Error('expected an AppError'),
    (err: unknown) => err,
  );
  if (error instanceof AppError) return error;
  throw error;
}

describe('tools export', () => {
  it('holds the live tools of the persona, sorted, with every version and all their fields', () => {
    const data = clone();
    expect(data.format).toBe('chameleon-tools');
    expect(data.tools.map((t) => t.name)).toEqual(['add', 'hello']);
    const add = data.tools[0]!;
    expect(add.activeVersion).toBe(5);
    expect(add.versions.map((v) => [v.version, v.origin])).toEqual([
      [1, { kind: 'create' }],
      [2, { kind: 'update' }],
      [3, { kind: 'rollback', fromVersion: 1 }],
      [4, { kind: 'rollback', fromVersion: 2 }],
      [5, { kind: 'update' }],
    ]);
    const v5 = add.versions[4]!;
    expect(v5).toMatchObject({ source: ADD_V2, description: 'Adds two numbers.', limits: { timeoutMs: 2000 }, language: 'typescript' });
    expect(Object.keys(v5)).toEqual(['version', 'createdAt', 'origin', 'hash', 'language', 'description', 'inputSchema', 'limits', 'source', 'compiledJs', 'sourceMap', 'capabilities']);
    expect(v5.compiledJs).toContain('a + b');
    expect(JSON.parse(v5.sourceMap)).toMatchObject({ version: 3 });
  });

  it('escapes characters a terminal could act on, so `cat` of the file is harmless', () => {
    expect(exported).not.toMatch(/[\u007f-\u009f\u202a-\u202e]/);
    expect(exported).toContain('\\u009b');
    expect(clone().tools[1]!.versions[0]!.description).toBe(SNEAKY);
  });

  it('exports only the named tools, and refuses unknown names', async () => {
    const store = storeOf(engine.dbPath);
    expect((await exportTools(sqliteContract(store), 'default', ['hello'])).tools.map((t) => t.name)).toEqual(['hello']);
    expect((await refusal(exportTools(sqliteContract(store), 'default', ['nope', 'gone']))).code).toBe('TOOL_NOT_FOUND');
  });
});

describe('tools import', () => {
  it('round-trips exactly: export, import into an empty database, export again gives the same text', async () => {
    const { store } = emptyStore();
    const summary = await importTools(sqliteContract(store), 'default', clone(), POLICY);
    // Compiled again from the source, the code is the same: nothing was replaced.
    expect(summary.tools).toEqual([
      { name: 'add', versions: 5, activeVersion: 5, recompiled: 0 },
      { name: 'hello', versions: 1, activeVersion: 1, recompiled: 0 },
    ]);
    expect(serializeExport(await exportTools(sqliteContract(store), 'default'))).toBe(exported);
    // The "__proto__" key came through as data.
    const schema = store.tools.getVersion('default', 'add').inputSchema;
    expect(Object.prototype.hasOwnProperty.call(schema, '__proto__')).toBe(true);
  });

  it('gives tools that run in another database, on the version that was active', async () => {
    const { store, file } = emptyStore();
    await importTools(sqliteContract(store), 'carol', clone(), POLICY);
    const app = await createChameleon({ config: parseConfig({ dbPath: file, sandbox: { processes: 1 } }), logger: silentLogger });
    try {
      const out = await app.forPersona('carol').runTool('add', { a: 2, b: 3 });
      expect(out).toMatchObject({ ok: true, version: 5, result: { sum: 5 } });
      expect((await app.forPersona('carol').getTool('add')).versions).toHaveLength(5);
    } finally {
      await app.close();
    }
  });

  it('refuses a version whose content does not match its hash, and imports nothing', async () => {
    const data = clone();
    data.tools[0]!.versions[2]!.source += '// tampered\n';
    const { store } = emptyStore();
    const error = await refusal(importTools(sqliteContract(store), 'default', data, POLICY));
    expect(error.code).toBe('INTEGRITY');
    expect(error.message).toMatch(/version 3 of tool `add` does not match its hash/);
    expect(error.message).toMatch(/Nothing was imported/);
    expect(store.tools.list('default')).toEqual([]);
  });

  it('refuses a tampered compiled JS or limit too (everything that runs is hashed)', async () => {
    for (const tamper of [(d: ToolExport) => (d.tools[1]!.versions[0]!.compiledJs += ';globalThis.x=1'), (d: ToolExport) => (d.tools[1]!.versions[0]!.limits.memoryMb = 512)]) {
      const data = clone();
      tamper(data);
      const { store } = emptyStore();
      expect((await refusal(importTools(sqliteContract(store), 'default', data, POLICY))).code).toBe('INTEGRITY');
      expect(store.tools.list('default')).toEqual([]);
    }
  });

  it('refuses a name the persona already uses, and leaves the other tools of the file out too', async () => {
    const { store } = emptyStore();
    const hello = clone();
    hello.tools = hello.tools.filter((t) => t.name === 'hello');
    await importTools(sqliteContract(store), 'default', hello, POLICY);
    const error = await refusal(importTools(sqliteContract(store), 'default', clone(), POLICY));
    expect(error.code).toBe('TOOL_EXISTS');
    expect(error.message).toMatch(/tool `hello` already exists for persona `default`/);
    expect(store.tools.list('default').map((t) => t.name)).toEqual(['hello']);
    // Another persona has no clash.
    expect((await importTools(sqliteContract(store), 'other', clone(), POLICY)).tools).toHaveLength(2);
  });

  it('refuses a name held by a deleted tool (its history is kept), atomically', async () => {
    const { store } = emptyStore();
    await importTools(sqliteContract(store), 'default', clone(), POLICY);
    store.tools.delete('default', 'hello');
    const error = await refusal(importTools(sqliteContract(store), 'default', clone(), POLICY));
    expect(error.code).toBe('TOOL_EXISTS');
    // `add` still exists from the first import; `hello` stays deleted: nothing changed.
    expect(store.tools.list('default').map((t) => t.name)).toEqual(['add']);
    const fresh = emptyStore();
    await importTools(sqliteContract(fresh.store), 'default', clone(), POLICY);
    fresh.store.tools.delete('default', 'hello');
    const helloOnly = clone();
    helloOnly.tools = helloOnly.tools.filter((t) => t.name === 'hello');
    const deletedClash = await refusal(importTools(sqliteContract(fresh.store), 'default', helloOnly, POLICY));
    expect(deletedClash.message).toMatch(/deleted tool/);
  });

  it('refuses reserved and duplicate names and inconsistent version lists, listing every problem', async () => {
    const data = clone();
    data.tools.push({ ...data.tools[1]!, name: 'run_tool' }, { ...data.tools[1]! }, { ...data.tools[0]!, name: 'skewed', activeVersion: 9 });
    data.tools[0]!.versions[2]!.origin = { kind: 'rollback', fromVersion: 4 };
    const { store } = emptyStore();
    const error = await refusal(importTools(sqliteContract(store), 'default', data, POLICY));
    expect(error.message).toMatch(/`run_tool` belongs to a built-in tool/);
    expect(error.message).toMatch(/tool `hello` appears twice/);
    expect(error.message).toMatch(/tool `skewed`: active version 9 is not in the file/);
    expect(error.message).toMatch(/version 3 is a rollback to version 4/);
    expect(store.tools.list('default')).toEqual([]);
  });

  it('the store refuses a hash mismatch on its own, inside its transaction', () => {
    const data = clone();
    data.tools[1]!.versions[0]!.description = 'changed';
    const { store } = emptyStore();
    const error = catchAppError(() => store.tools.importTools('default', data.tools));
    expect(error.code).toBe('INTEGRITY');
    expect(store.tools.list('default')).toEqual([]);
  });
});

describe('parseExport()', () => {
  it.each([
    ['not JSON', () => '{"format":', /not JSON/],
    ['another format', () => '{"format":"other","formatVersion":1,"tools":[]}', /format/],
    ['a missing field', () => JSON.stringify({ format: 'chameleon-tools', formatVersion: 1, tools: [{ name: 'x', activeVersion: 1, createdAt: '2026-11-30T20:00:00.000Z', versions: [] }] }), /tools\[0\]\.updatedAt/],
    ['an unknown field', exportedWith((d) => Object.assign(d.tools[0]!.versions[0]!, { extra: 1 })), /tools\[0\]\.versions\[0\]/],
    ['a timestamp in another format', exportedWith((d) => (d.tools[0]!.createdAt = '30 Nov 2026')), /tools\[0\]\.createdAt: must be an ISO 8601/],
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    ['a key that would drive a terminal, quoted without its controls', exportedWith((d) => Object.assign(d.tools[0]!, { '\u009b2J\u001b]0;x\u0007': 1 })), /^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$/],
    ['an absurd memory limit', exportedWith((d) => (d.tools[0]!.versions[0]!.limits.memoryMb = 1e6)), /limits\.memoryMb/],
  ])('refuses %s, naming where', (_name, text, message) => {
    const error = catchAppError(() => parseExport(text()));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
  });
});

/** The export with one change, made lazily: `exported` is only set in beforeAll. */
function exportedWith(change: (d: ToolExport) => void): () => string {
  return () => {
    const data = clone();
    change(data);
    return JSON.stringify(data);
  };
}

describe('the export file on disk', () => {
  it('is written by serializeExport exactly as parseExport reads it', () => {
    const file = path.join(tempDir(), 'tools.json');
    fs.writeFileSync(file, exported);
    expect(serializeExport(parseExport(fs.readFileSync(file, 'utf8')))).toBe(exported);
  });
});
