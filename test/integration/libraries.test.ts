/**
 * Libraries (issue 15, item 2): code saved with kind "library", imported by the persona's
 * other tools as `lib:<name>`, bundled into each importer at the version active when the
 * importer compiled, and never changed under it until it is updated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Failure } from '../../src/model.js';
import type { PersonaScope, WriteOutcome } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

const TEXT_V1 = [
  'export function shout(s: string): string {',
  "  return s.toUpperCase() + '!';",
  '}',
  'export function firstWord(s: string): string {',
  "  const word = s.split(' ')[0];",
  "  if (word === '') throw new Error('no words in ' + JSON.stringify(s));",
  '  return word!;',
  '}',
  '',
].join('\n');

const IMPORTER = [
  'import { shout, firstWord } from "lib:text_utils";',
  '',
  'export default function (a: { s: string }) {',
  '  return shout(firstWord(a.s));',
  '}',
  '',
].join('\n');

async function saved(outcome: Promise<WriteOutcome>): Promise<Extract<WriteOutcome, { ok: true }>> {
  const out = await outcome;
  if (!out.ok) throw new Error(`expected the write to be saved: ${out.failure.message}`);
  return out;
}

async function refused(outcome: Promise<WriteOutcome>): Promise<Failure> {
  const out = await outcome;
  if (out.ok) throw new Error('expected the write to be refused');
  return out.failure;
}

describe('a library and a tool that imports it', () => {
  beforeAll(async () => {
    await saved(scope.createTool({ name: 'text_utils', description: 'Text helpers.', code: TEXT_V1, kind: 'library' }));
    await saved(scope.createTool({ name: 'loud_first', description: 'Shouts the first word.', code: IMPORTER }));
  });

  it('runs the library code inside the importer', async () => {
    expect(await scope.runTool('loud_first', { s: 'hello world' })).toMatchObject({ ok: true, result: 'HELLO!' });
  });

  it('records the library version the importer bundled, with its hash', async () => {
    const library = await scope.getTool('text_utils');
    const importer = await scope.getTool('loud_first');
    expect(importer.dependencies).toEqual([{ kind: 'library', name: 'text_utils', version: 1, hash: library.tool.hash }]);
    expect(importer.tool.dependencies).toEqual(importer.dependencies);
    expect(library.tool.kind).toBe('library');
    expect(library.importers).toEqual([{ name: 'loud_first', activeVersion: 1, libraryVersion: 1, current: true }]);
  });

  it('is not callable, and tools/list leaves it out while list_tools shows its kind', async () => {
    await expect(scope.runTool('text_utils', {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/is a library: it has no handler to call/) });
    const listed = (await scope.listedToolsPage(undefined, 100)).tools.map((t) => t.name);
    expect(listed).toContain('loud_first');
    expect(listed).not.toContain('text_utils');
    const all = await scope.listTools();
    expect(all.find((t) => t.name === 'text_utils')?.kind).toBe('library');
    expect(all.find((t) => t.name === 'loud_first')?.kind).toBe('tool');
  });

  it('maps a frame in library code to the library’s own file and version, below the importer’s frame', async () => {
    const out = await scope.runTool('loud_first', { s: ' leading space' });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.message).toBe('no words in " leading space"');
    expect(out.failure.frames[0]).toMatchObject({ function: 'firstWord', tool: 'text_utils', version: 1, file: 'text_utils.ts', line: 6, column: 26 });
    expect(out.failure.frames[1]).toMatchObject({ tool: 'loud_first', version: 1, file: 'loud_first.ts', line: 4 });
    expect(out.failure.codeFrame).toContain("if (word === '') throw new Error");
  });

  it('an update of the library reaches no importer until that importer is updated with its code', async () => {
    const v2 = TEXT_V1.replace("s.toUpperCase() + '!'", "s.toUpperCase() + '!!!'");
    await saved(scope.updateTool({ name: 'text_utils', code: v2 }));
    expect(await scope.runTool('loud_first', { s: 'hey you' })).toMatchObject({ ok: true, result: 'HEY!' });
    expect((await scope.getTool('text_utils')).importers).toEqual([{ name: 'loud_first', activeVersion: 1, libraryVersion: 1, current: false }]);

    // An update without code keeps the bundled code (and its pinned library).
    await saved(scope.updateTool({ name: 'loud_first', description: 'Shouts the first word, loudly.' }));
    expect(await scope.runTool('loud_first', { s: 'hey you' })).toMatchObject({ ok: true, result: 'HEY!' });
    expect((await scope.getTool('loud_first')).dependencies).toMatchObject([{ name: 'text_utils', version: 1 }]);

    // The same code again compiles against the library's active version.
    await saved(scope.updateTool({ name: 'loud_first', code: IMPORTER }));
    expect(await scope.runTool('loud_first', { s: 'hey you' })).toMatchObject({ ok: true, result: 'HEY!!!' });
    expect((await scope.getTool('loud_first')).dependencies).toMatchObject([{ name: 'text_utils', version: 2 }]);
    expect((await scope.getTool('text_utils')).importers).toEqual([{ name: 'loud_first', activeVersion: 3, libraryVersion: 2, current: true }]);
  });

  it('a rollback of the importer brings back the library version that version bundled', async () => {
    await saved(scope.createTool({ name: 'pinned', description: 'd', code: 'import { shout } from "lib:text_utils";\nexport default () => shout("a");\n' }));
    await saved(scope.updateTool({ name: 'text_utils', code: TEXT_V1.replace("+ '!'", "+ '?'") }));
    await saved(scope.updateTool({ name: 'pinned', code: 'import { shout } from "lib:text_utils";\nexport default () => shout("b");\n' }));
    expect(await scope.runTool('pinned', {})).toMatchObject({ ok: true, result: 'B?' });
    await scope.rollbackTool('pinned', 1);
    expect(await scope.runTool('pinned', {})).toMatchObject({ ok: true, result: 'A!!!' });
  });
});

describe('libraries that import libraries', () => {
  it('bundles a library imported through another, and pins both', async () => {
    await saved(scope.createTool({ name: 'base_math', description: 'd', code: 'export const double = (n: number) => n * 2;\n', kind: 'library' }));
    await saved(scope.createTool({ name: 'more_math', description: 'd', code: 'import { double } from "lib:base_math";\nexport const quadruple = (n: number) => double(double(n));\n', kind: 'library' }));
    await saved(scope.createTool({ name: 'quad', description: 'd', code: 'import { quadruple } from "lib:more_math";\nexport default (a: { n: number }) => quadruple(a.n);\n' }));
    expect(await scope.runTool('quad', { n: 3 })).toMatchObject({ ok: true, result: 12 });
    expect((await scope.getTool('quad')).dependencies.map((d) => `${d.name}@${d.version}`)).toEqual(['base_math@1', 'more_math@1']);
  });

  it('refuses an update that would make libraries import each other in a circle', async () => {
    await saved(scope.createTool({ name: 'cycle_a', description: 'd', code: 'export const a = () => 1;\n', kind: 'library' }));
    await saved(scope.createTool({ name: 'cycle_b', description: 'd', code: 'import { a } from "lib:cycle_a";\nexport const b = () => a() + 1;\n', kind: 'library' }));
    const failure = await refused(scope.updateTool({ name: 'cycle_a', code: 'import { b } from "lib:cycle_b";\nexport const a = () => b();\n' }));
    expect(failure.kind).toBe('compile');
    expect(failure.message).toMatch(/cycle \(cycle_a -> cycle_b -> cycle_a\)/);
    // Located where the circle closes: in cycle_b's own source, at its import of cycle_a.
    expect(failure.frames[0]).toMatchObject({ tool: 'cycle_b', file: 'cycle_b.ts', line: 1 });
  });

  it('refuses a library that imports itself', async () => {
    const failure = await refused(scope.createTool({ name: 'selfish', description: 'd', code: 'import { x } from "lib:selfish";\nexport const y = x;\n', kind: 'library' }));
    expect(failure.message).toMatch(/makes a cycle \(selfish -> selfish\)/);
  });
});

describe('refusals', () => {
  it('refuses a library with a syntax error at create, located in it', async () => {
    const failure = await refused(scope.createTool({ name: 'broken_lib', description: 'd', code: 'export const f = (a: number => a;\n', kind: 'library' }));
    expect(failure).toMatchObject({ kind: 'compile', frames: [{ tool: 'broken_lib', line: 1 }] });
  });

  it('refuses a library that throws while loading', async () => {
    const failure = await refused(scope.createTool({ name: 'throws_lib', description: 'd', code: 'export const x = 1;\nthrow new Error("not today");\n', kind: 'library' }));
    expect(failure.message).toMatch(/The module threw while loading: not today/);
    expect(failure.frames[0]).toMatchObject({ tool: 'throws_lib', line: 2 });
  });

  it('accepts a library without a default export, and refuses call settings on it', async () => {
    await saved(scope.createTool({ name: 'no_default', description: 'd', code: 'export const one = 1;\n', kind: 'library' }));
    await expect(scope.createTool({ name: 'with_schema', description: 'd', code: 'export const one = 1;\n', kind: 'library', inputSchema: { type: 'object' }, timeoutMs: 100 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^input_schema, timeout_ms are for tools that are called/),
    });
    await expect(scope.updateTool({ name: 'no_default', memoryMb: 32 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('locates the import of a missing library at its line', async () => {
    const failure = await refused(scope.createTool({ name: 'needs_missing', description: 'd', code: '// uses a helper\nimport { nope } from "lib:does_not_exist";\nexport default () => nope();\n' }));
    expect(failure).toMatchObject({ kind: 'compile', name: 'ImportError', frames: [{ tool: 'needs_missing', version: 0, line: 2, column: 22 }] });
    expect(failure.message).toMatch(/^needs_missing\.ts:2:22: import "lib:does_not_exist": there is no library `does_not_exist`/);
    expect(failure.codeFrame).toContain('import { nope } from "lib:does_not_exist"');
  });

  it('refuses importing a tool as if it were a library', async () => {
    await saved(scope.createTool({ name: 'plain_tool', description: 'd', code: 'export default () => 1;\nexport const helper = 2;\n' }));
    const failure = await refused(scope.createTool({ name: 'uses_tool', description: 'd', code: 'import { helper } from "lib:plain_tool";\nexport default () => helper;\n' }));
    expect(failure.message).toMatch(/`plain_tool` is a tool, not a library/);
  });

  it('refuses a relative import: a tool has no files beside it', async () => {
    const failure = await refused(scope.createTool({ name: 'relative', description: 'd', code: 'import { x } from "./helpers";\nexport default () => x;\n' }));
    expect(failure.message).toMatch(/a tool is one file.*"lib:<name>"/);
    expect(failure.frames[0]).toMatchObject({ line: 1 });
  });
});
