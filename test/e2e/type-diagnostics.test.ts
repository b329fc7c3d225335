import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, structured, text, type Connected } from './helpers/cli.js';
import { suiteTempDir } from './helpers/temp.js';

// Type diagnostics over MCP (issue 17, item 1), through the built server as a client sees it:
// advice with the saved version, the link from a run-time failure back to the checker's
// warning, strict_types refusing, and a checker that cannot answer never blocking a save.

interface Diagnostic {
  line: number;
  column: number;
  code: number;
  message: string;
  severity: string;
}

// Line 3 reads a property the schema does not declare; at run time `args.user` is undefined
// and `.name` throws there.
const USER_TOOL = [
  'export default function (args, ctx) {',
  '  ctx.log("greeting");',
  '  const name: string = args.user.name;',
  '  return { greeting: `hello ${name}` };',
  '}',
  '',
].join('\n');
const USER_SCHEMA = { type: 'object', properties: { id: { type: 'number' } }, required: ['id'] };

describe('type diagnostics over stdio', () => {
  let s: Connected;
  const temp = suiteTempDir();
  beforeAll(async () => {
    s = await connectStdio({ db: path.join(temp.dir, 't.db') });
  });
  afterAll(async () => {
    await s?.close();
    temp.remove();
  });

  it('create returns the diagnostics, the call fails at that line, and get_last_error names the warning', async () => {
    const created = await s.call('create_tool', { name: 'greet', description: 'g', code: USER_TOOL, input_schema: USER_SCHEMA });
    expect(created.isError, text(created)).toBeFalsy();
    const saved = structured<{ saved: boolean; version: number; diagnostics: Diagnostic[] }>(created);
    expect(saved).toMatchObject({ saved: true, version: 1 });
    expect(saved.diagnostics).toEqual([{ line: 3, column: 29, code: 2339, message: "Property 'user' does not exist on type 'ToolArgs'.", severity: 'error' }]);
    expect(text(created)).toContain("greet.ts:3:29 error TS2339: Property 'user' does not exist on type 'ToolArgs'.");

    const run = await s.call('greet', { id: 1 });
    expect(run.isError).toBe(true);
    const last = await s.call('get_last_error', { tool_name: 'greet' });
    const view = structured<{ error: { frames: Array<{ line: number }> }; checker_warning: Record<string, unknown>; text: string }>(last);
    expect(view.error.frames[0]!.line).toBe(3);
    expect(view.checker_warning).toMatchObject({ tool: 'greet', version: 1, saved_by: 'create', line: 3, code: 2339 });
    expect(view.text).toContain("The type checker warned about this line at create (version 1): TS2339 Property 'user' does not exist on type 'ToolArgs'.");

    const tool = structured<{ diagnostics: Diagnostic[] }>(await s.call('get_tool', { name: 'greet' }));
    expect(tool.diagnostics).toEqual(saved.diagnostics);
  });

  it('an update that fixes the line answers with no diagnostics; ctx is typed by capabilities', async () => {
    const fixed = USER_TOOL.replace('args.user.name', 'String(args.id)');
    const updated = structured<{ version: number; diagnostics: Diagnostic[] }>(await s.call('update_tool', { name: 'greet', code: fixed }));
    expect(updated).toMatchObject({ version: 2, diagnostics: [] });
    // ctx.sql has only the declared datasources; ctx.kv.set takes a key and a value.
    const misuse = ['export default async function (args, ctx) {', "  await ctx.kv.set('n');", "  return ctx.sql.shop('SELECT 1');", '}', ''].join('\n');
    const made = structured<{ diagnostics: Diagnostic[] }>(await s.call('create_tool', { name: 'misuse', description: 'm', code: misuse }));
    expect(made.diagnostics.map((d) => [d.line, d.column, d.code])).toEqual([
      [2, 16, 2554],
      [3, 18, 2339],
    ]);
    // edit_tool answers with the diagnostics of the edited source.
    const edited = structured<{ version: number; diagnostics: Diagnostic[] }>(
      await s.call('edit_tool', { name: 'misuse', edits: [{ old_string: "ctx.kv.set('n')", new_string: "ctx.kv.set('n', 1)" }] }),
    );
    expect(edited).toMatchObject({ version: 2 });
    expect(edited.diagnostics.map((d) => d.code)).toEqual([2339]);
    // ctx.tools is typed from the callee's input schema (tool-declarations.ts).
    const caller = ['export default async function (args, ctx) {', "  return ctx.tools.greet({ id: 'seven' });", '}', ''].join('\n');
    const called = structured<{ diagnostics: Diagnostic[] }>(await s.call('create_tool', { name: 'caller', description: 'c', code: caller, capabilities: { tools: ['greet'] } }));
    expect(called.diagnostics.map((d) => [d.line, d.column, d.code])).toEqual([[2, 28, 2322]]);
    // What a tool imports from a TypeScript library is typed from the library's active source.
    const library = await s.call('create_tool', { name: 'text_utils', description: 't', kind: 'library', code: 'export function shout(s: string): string {\n  return s.toUpperCase();\n}\n' });
    expect(structured(library)).toMatchObject({ saved: true, diagnostics: [] });
    const importer = ['import { shout } from "lib:text_utils";', 'export default (args: ToolArgs) => shout(args.id);', ''].join('\n');
    const imported = structured<{ diagnostics: Diagnostic[] }>(await s.call('create_tool', { name: 'importer', description: 'i', code: importer, input_schema: USER_SCHEMA }));
    expect(imported.diagnostics.map((d) => [d.line, d.column, d.code])).toEqual([[2, importer.split('\n')[1]!.indexOf('args.id') + 1, 2345]]);
  });

  it('strict_types refuses type errors, located, and saves nothing; clean code is saved', async () => {
    const refused = await s.call('create_tool', { name: 'strict_one', description: 's', code: USER_TOOL, input_schema: USER_SCHEMA, strict_types: true });
    expect(refused.isError).toBe(true);
    const out = structured<{ saved: boolean; error: { kind: string; name: string; message: string; frames: Array<{ line: number; column: number }> } }>(refused);
    expect(out.saved).toBe(false);
    expect(out.error).toMatchObject({ kind: 'compile', name: 'TypeCheckError', frames: [{ line: 3, column: 29 }] });
    expect(out.error.message).toMatch(/^strict_one\.ts:3:29: TS2339 Property 'user' does not exist on type 'ToolArgs'\. strict_types refuses/);
    expect(text(refused)).toMatch(/strict_one was not saved: strict_types is set and the type checker found errors at line 3, column 29/);
    const listed = structured<{ tools: Array<{ name: string }> }>(await s.call('list_tools'));
    expect(listed.tools.map((t) => t.name)).not.toContain('strict_one');

    const clean = await s.call('create_tool', { name: 'strict_one', description: 's', code: 'export default (args: ToolArgs) => ({ id: args.id + 1 });\n', input_schema: USER_SCHEMA, strict_types: true });
    expect(structured(clean)).toMatchObject({ saved: true, version: 1, strict_types: true, diagnostics: [] });
    // Kept for later updates: a type error in an update is refused while version 1 keeps serving.
    const broken = await s.call('update_tool', { name: 'strict_one', code: 'export default (args: ToolArgs) => ({ id: args.id.toFixed(1).nope });\n' });
    expect(broken.isError).toBe(true);
    expect(text(broken)).toContain('Nothing was saved; version 1 keeps serving.');
  });
});

describe('a checker that cannot answer', () => {
  const temp = suiteTempDir();
  afterAll(() => temp.remove());

  // 16 MB of heap is too little for TypeScript: the real worker dies loading it. 100 ms is less
  // than loading it takes: the checker is stopped at its deadline, as a hung one would be.
  const faults = [
    { fault: 'dies', typecheck: { memoryMb: 16 }, note: /^Types were not checked: the checker's worker (failed|exited)/ },
    { fault: 'hangs', typecheck: { timeoutMs: 100 }, note: /^Types were not checked: the checker did not answer within 100 ms/ },
  ];
  for (const { fault, typecheck, note } of faults) {
    it(`does not break saving: a checker worker that ${fault} leaves the diagnostics absent, with a note`, async () => {
      const config = path.join(temp.dir, `${fault}.json`);
      fs.writeFileSync(config, JSON.stringify({ typecheck }));
      const s = await connectStdio({ db: path.join(temp.dir, `${fault}.db`), config });
      try {
        const created = await s.call('create_tool', { name: 'plain', description: 'p', code: USER_TOOL, input_schema: USER_SCHEMA });
        expect(created.isError, text(created)).toBeFalsy();
        const out = structured<{ saved: boolean; diagnostics?: unknown; diagnostics_note: string }>(created);
        expect(out.saved).toBe(true);
        expect(out.diagnostics).toBeUndefined();
        expect(out.diagnostics_note).toMatch(note);
        const run = await s.call('plain', { id: 1, user: { name: 'x' } });
        expect(structured(run)).toMatchObject({ status: 'SUCCESS' });
        // strict_types cannot be honoured without a checker: refused, saying so.
        const strict = await s.call('create_tool', { name: 'strict_two', description: 's', code: USER_TOOL, strict_types: true });
        expect(strict.isError).toBe(true);
        expect(text(strict)).toMatch(/strict_types needs a type check, and the checker could not give one/);
      } finally {
        await s.close();
      }
    });
  }

  it('does not delay the answer past typecheck.answerWaitMs: it says the diagnostics are pending, and get_tool has them later', async () => {
    const config = path.join(temp.dir, 'wait.json');
    fs.writeFileSync(config, JSON.stringify({ typecheck: { answerWaitMs: 0 } }));
    const s = await connectStdio({ db: path.join(temp.dir, 'w.db'), config });
    try {
      const created = structured<{ saved: boolean; diagnostics_pending: boolean; diagnostics_note: string }>(
        await s.call('create_tool', { name: 'later', description: 'l', code: USER_TOOL, input_schema: USER_SCHEMA }),
      );
      expect(created).toMatchObject({ saved: true, diagnostics_pending: true });
      await expect
        .poll(async () => structured<{ diagnostics: Diagnostic[] }>(await s.call('get_tool', { name: 'later' })).diagnostics.map((d) => d.code), { timeout: 20_000, interval: 200 })
        .toEqual([2339]);
    } finally {
      await s.close();
    }
  });
});
