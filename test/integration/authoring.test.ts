import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateToolInput, PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

const V1 = 'export default (a: { n: number }) => a.n + 1;';
const V2 = 'export default (a: { n: number }) => a.n + 2;';

describe('warmUpAuthoring()', () => {
  it('pays the first create_tool costs without writing a tool, a version or a log row', async () => {
    const other = await startEngine();
    try {
      await other.app.warmUpAuthoring();
      const db = new Database(other.dbPath, { readonly: true });
      try {
        for (const table of ['tools', 'versions', 'executions']) {
          expect(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get(), table).toEqual({ n: 0 });
        }
      } finally {
        db.close();
      }
      const scope = other.app.forPersona('default');
      expect((await scope.createTool({ name: 'after_warm_up', description: 'd', code: V1 })).ok).toBe(true);
      expect(await scope.runTool('after_warm_up', { n: 1 })).toMatchObject({ ok: true, result: 2 });
    } finally {
      await other.close();
    }
  });
});

describe('createTool()', () => {
  it('makes version 1 with the source exactly as written and its metadata', async () => {
    const source = '// kept as written\nexport default (a: { n: number }) =>   a.n;\n';
    const out = await scope.createTool({ name: 'exact', description: 'd', code: source, timeoutMs: 1234, memoryMb: 32, inputSchema: { type: 'object', properties: { n: { type: 'number' } } } });
    expect(out).toMatchObject({ ok: true, tool: { name: 'exact', activeVersion: 1, timeoutMs: 1234, memoryMb: 32, language: 'typescript' } });
    const details = await scope.getTool('exact');
    expect(details.source).toBe(source);
    expect(details.versions).toHaveLength(1);
    expect(details.tool.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['an invalid name', { name: 'Bad-Name' }, 'INVALID_NAME'],
    ['a reserved name', { name: 'run_tool' }, 'RESERVED_NAME'],
    ['a schema that is not an object schema', { name: 'schema_bad', inputSchema: { type: 'string' } }, 'INVALID_ARGUMENT'],
    ['a malformed schema', { name: 'schema_broken', inputSchema: { type: 'object', properties: 5 } }, 'INVALID_ARGUMENT'],
    ['an out-of-range timeout', { name: 'slow', timeoutMs: 5 }, 'INVALID_ARGUMENT'],
    ['an out-of-range memory limit', { name: 'fat', memoryMb: 100_000 }, 'INVALID_ARGUMENT'],
    ['empty code', { name: 'empty', code: '   ' }, 'INVALID_ARGUMENT'],
    ['oversize code', { name: 'oversize', code: `export default () => 1;\n//${'x'.repeat(300 * 1024)}` }, 'PAYLOAD_TOO_LARGE'],
  ])('refuses %s with a clear error', async (_label, fields, code) => {
    const input: CreateToolInput = { description: 'd', code: V1, ...fields };
    await expect(scope.createTool(input)).rejects.toMatchObject({ code });
  });

  it('refuses a second tool with the same name and points at update_tool', async () => {
    await scope.createTool({ name: 'dupe', description: 'd', code: V1 });
    await expect(scope.createTool({ name: 'dupe', description: 'd', code: V1 })).rejects.toThrow(/update_tool/);
  });

  it('refuses code with a syntax error, saves nothing, and logs the attempt', async () => {
    const out = await scope.createTool({ name: 'broken', description: 'd', code: 'export default () => {\n  return (1 +;\n};' });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ kind: 'compile', frames: [{ line: 2, file: 'broken.ts' }] });
    expect(out.failure.codeFrame).toMatch(/> 2 \|\s+return \(1 \+;/);
    expect((await scope.listTools()).some((t) => t.name === 'broken')).toBe(false);
    expect(await scope.getExecution(out.executionId)).toMatchObject({ operation: 'create', status: 'FAILURE', errorKind: 'compile' });
  });

  it.each([
    ['no default export', 'export const x = 1;', /no default export/],
    ['a default export that is not callable', 'export default { run: 1 };', /not a function or class/],
  ])('refuses a module with %s', async (_label, code, message) => {
    const out = await scope.createTool({ name: 'nodefault', description: 'd', code });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.kind).toBe('compile');
    expect(out.failure.message).toMatch(message);
  });
});

describe('updateTool() and rollbackTool()', () => {
  it('hot-patches to a new active version and rolls back by appending a copy', async () => {
    await scope.createTool({ name: 'patchy', description: 'd', code: V1 });
    expect(await scope.runTool('patchy', { n: 1 })).toMatchObject({ ok: true, result: 2, version: 1 });
    expect(await scope.updateTool({ name: 'patchy', code: V2 })).toMatchObject({ ok: true, tool: { activeVersion: 2 } });
    expect(await scope.runTool('patchy', { n: 1 })).toMatchObject({ ok: true, result: 3, version: 2 });
    expect(await scope.rollbackTool('patchy', 1)).toMatchObject({ activeVersion: 3 });
    expect(await scope.runTool('patchy', { n: 1 })).toMatchObject({ ok: true, result: 2, version: 3 });
    const versions = (await scope.getTool('patchy')).versions;
    expect(versions.map((v) => [v.version, v.origin.kind, v.active])).toEqual([
      [1, 'create', false],
      [2, 'update', false],
      [3, 'rollback', true],
    ]);
    expect((await scope.getTool('patchy', 2)).source).toBe(V2);
  });

  it('keeps the previous version serving when an update does not compile', async () => {
    await scope.createTool({ name: 'steady_v', description: 'd', code: V1 });
    const out = await scope.updateTool({ name: 'steady_v', code: 'export default (' });
    expect(out.ok).toBe(false);
    expect(await scope.runTool('steady_v', { n: 1 })).toMatchObject({ ok: true, result: 2, version: 1 });
  });

  it('refuses an update whose code V8 would refuse (an early error), located, and saves nothing', async () => {
    await scope.createTool({ name: 'early_update', description: 'd', code: V1 });
    const code = 'const n = 1;\nexport default (a: { n: number }) => a.n + n;\nconst n = 2;\n';
    const out = await scope.updateTool({ name: 'early_update', code });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ kind: 'compile', name: 'SyntaxError', frames: [{ line: 3, column: 7 }] });
    expect(out.failure.message).toBe("early_update.ts:3:7: Identifier 'n' has already been declared");
    expect((await scope.getTool('early_update')).versions).toHaveLength(1);
    expect(await scope.runTool('early_update', { n: 1 })).toMatchObject({ ok: true, result: 2, version: 1 });
  });

  it('changes metadata without code as a new version', async () => {
    await scope.createTool({ name: 'meta_only', description: 'old', code: V1 });
    expect(await scope.updateTool({ name: 'meta_only', description: 'new', timeoutMs: 999 })).toMatchObject({ ok: true, tool: { activeVersion: 2, description: 'new', timeoutMs: 999 } });
  });

  it('lets a call in flight finish on the version it started with', async () => {
    await scope.createTool({ name: 'inflight', description: 'd', code: 'export default async () => { let s = 0; for (let i = 0; i < 3e7; i++) s += i; return "v1"; };' });
    const running = scope.runTool('inflight', {});
    await scope.updateTool({ name: 'inflight', code: 'export default () => "v2";' });
    expect(await running).toMatchObject({ ok: true, result: 'v1', version: 1 });
    expect(await scope.runTool('inflight', {})).toMatchObject({ ok: true, result: 'v2', version: 2 });
  });

  it('refuses to roll back to a version that does not exist', async () => {
    await expect(scope.rollbackTool('patchy', 99)).rejects.toThrow(/99/);
  });
});

describe('deleteTool()', () => {
  it('takes the tool out of service but keeps its versions and log', async () => {
    await scope.createTool({ name: 'doomed', description: 'd', code: V1 });
    const ran = await scope.runTool('doomed', { n: 0 });
    expect(await scope.deleteTool('doomed')).toMatchObject({ name: 'doomed', versions: 1 });
    await expect(scope.runTool('doomed', { n: 0 })).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
    expect(await scope.getExecution(ran.executionId)).toMatchObject({ toolName: 'doomed', status: 'SUCCESS' });
    // The name can be used again; numbering continues after the kept history.
    expect(await scope.createTool({ name: 'doomed', description: 'd', code: V2 })).toMatchObject({ ok: true, tool: { activeVersion: 2 } });
  });
});

describe('integrity', () => {
  it('refuses to run a stored version whose code no longer matches its hash', async () => {
    await scope.createTool({ name: 'tampered', description: 'd', code: V1 });
    const db = new Database(engine.dbPath);
    db.prepare("UPDATE versions SET compiled_js = replace(compiled_js, '+ 1', '+ 1000') WHERE tool_id = (SELECT id FROM tools WHERE name = 'tampered')").run();
    db.close();
    await expect(scope.runTool('tampered', { n: 1 })).rejects.toMatchObject({ code: 'INTEGRITY' });
  });
});
