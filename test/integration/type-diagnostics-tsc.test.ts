/**
 * Issue 17, item 1, "Done when": the checker's diagnostics are at the positions `tsc` gives.
 *
 * Each tool of the corpus marks the type errors it must get with a comment at the end of the
 * line (`// TS2339`, several codes for several errors). Every tool is checked twice: through
 * the server's checker (its worker thread, its in-memory program, its position mapping), and
 * by the real `tsc` command (node_modules/typescript/bin/tsc) over files on disk: the tool, the
 * runtime globals and the same ToolContext/ToolArgs declarations, with the checker's options
 * in a tsconfig.json. Line, column and code must be equal, and so must each message's first line.
 * The corpus annotates the handler's parameters itself (`ctx: ToolContext`), so that tsc sees
 * the file the agent wrote; the checker's own annotation of unannotated parameters is tested
 * against it separately (the same diagnostics, positions in the source as written).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ambientDeclarations } from '../../src/typecheck/ambient.js';
import { createTypeChecker, type TypeChecker } from '../../src/typecheck/checker.js';
import { RUNTIME_GLOBALS } from '../../src/typecheck/runtime-globals.js';
import { CHECKER_OPTIONS, type TypeDiagnostic } from '../../src/typecheck/types.js';
import { silentLogger } from '../../src/logger.js';

const AMBIENT = ambientDeclarations({
  inputSchema: { type: 'object', properties: { name: { type: 'string' }, count: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['name'] },
  capabilities: { sql: ['shop'], secrets: ['API_KEY'], fetch: ['api.example.com'] },
  toolsDeclaration: null,
});

const HEAD = 'export default async function (args: ToolArgs, ctx: ToolContext) {';

/** A library the corpus imports (`lib:text_utils`): tsc finds it through a `paths` mapping, the checker in the request. */
const LIBRARIES = [{ name: 'text_utils', source: 'export function shout(s: string, times = 1): string {\n  return s.toUpperCase().repeat(times);\n}\n' }];

/** name -> source; each expected error marked at the end of its line. */
const CORPUS: Record<string, string> = {
  misspelt_property: [HEAD, '  return args.nmae.length; // TS2339', '}'].join('\n'),
  wrong_argument: [HEAD, "  return Math.max(args.name, 2); // TS2345", '}'].join('\n'),
  wrong_assignment: [HEAD, '  const n: number = args.name; // TS2322', '  return n;', '}'].join('\n'),
  unknown_name: [HEAD, '  return totl + 1; // TS2304', '}'].join('\n'),
  possibly_undefined_object: [HEAD, '  return (args.tags ?? []).find((t) => t.length > 2).toUpperCase(); // TS2532', '}'].join('\n'),
  possibly_undefined_name: [HEAD, "  const seen = await ctx.kv.get<number>('seen');", '  return seen + 1; // TS18048', '}'].join('\n'),
  missing_return: ['function label(n: number): string { // TS2366', "  if (n > 0) return 'positive';", '}', HEAD, '  return label(args.count ?? 0);', '}'].join('\n'),
  kv_misuse: [HEAD, "  await ctx.kv.set('seen'); // TS2554", "  await ctx.kv.put('seen', 1); // TS2339", '  return null;', '}'].join('\n'),
  browser_and_node_globals: [HEAD, '  const title = document.title; // TS2584', "  const fs = require('fs'); // TS2591", '  return [title, fs, process.env.HOME]; // TS2591', '}'].join('\n'),
  undeclared_secret_and_datasource: [HEAD, "  const key = ctx.secret('OTHER_KEY'); // TS2345", "  return ctx.sql.warehouse('SELECT 1', { key }); // TS2339", '}'].join('\n'),
  forgotten_await: [HEAD, "  const response = fetch('https://api.example.com/x');", '  return response.status; // TS2339', '}'].join('\n'),
  wrong_web_api: [HEAD, "  const url = new URL('https://api.example.com');", "  url.searchParams.add('q', args.name); // TS2339", "  return new TextDecoder('latin1').decode(new Uint8Array()); // TS2345", '}'].join('\n'),
  // Columns count UTF-16 units past a non-BMP character; lines end in CRLF.
  crlf_and_astral: [HEAD, "  const face = '😀';", "  return face + args.cuont; // TS2551", '}'].join('\r\n'),
  library_call: ['import { shout } from "lib:text_utils";', HEAD, '  return shout(args.count ?? 0); // TS2345', '}'].join('\n'),
  clean: [HEAD, "  const rows = await ctx.sql.shop('SELECT * FROM orders WHERE total > :min', { min: args.count ?? 0 });", '  return { name: args.name, count: rows.rows.length, id: crypto.randomUUID() };', '}'].join('\n'),
};

type Position = [line: number, column: number, code: number];

/** `file.ts(3,29): error TS2339: message` lines of tsc --pretty false, per file. */
function parseTsc(output: string): Map<string, Array<{ at: Position; message: string }>> {
  const found = new Map<string, Array<{ at: Position; message: string }>>();
  for (const m of output.matchAll(/^(\w+)\.ts\((\d+),(\d+)\): (?:error|warning) TS(\d+): (.*)$/gm)) {
    const list = found.get(m[1]!) ?? [];
    list.push({ at: [Number(m[2]), Number(m[3]), Number(m[4])], message: m[5]! });
    found.set(m[1]!, list);
  }
  return found;
}

function marked(source: string): Array<[line: number, code: number]> {
  return source.split(/\r?\n/).flatMap((line, i) => [...(/\/\/ (TS\d+(?: TS\d+)*)\s*$/.exec(line)?.[1]?.split(' ') ?? [])].map((c): [number, number] => [i + 1, Number(c.slice(2))]));
}

describe('type diagnostics equal tsc', () => {
  let checker: TypeChecker;
  let dir: string;
  let tsc: Map<string, Array<{ at: Position; message: string }>>;

  beforeAll(() => {
    checker = createTypeChecker({ timeoutMs: 60_000, maxQueued: 100, memoryMb: 512, logger: silentLogger });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-tsc-'));
    fs.writeFileSync(path.join(dir, 'runtime-globals.d.ts'), RUNTIME_GLOBALS);
    fs.writeFileSync(path.join(dir, 'tool-context.d.ts'), AMBIENT);
    for (const [name, source] of Object.entries(CORPUS)) fs.writeFileSync(path.join(dir, `${name}.ts`), source);
    fs.mkdirSync(path.join(dir, 'lib'));
    for (const lib of LIBRARIES) fs.writeFileSync(path.join(dir, 'lib', `${lib.name}.ts`), lib.source);
    // Declaration files are not checked (skipLibCheck), as in the checker; every tool is its own module.
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...CHECKER_OPTIONS, paths: { 'lib:*': ['./lib/*'] } }, files: ['runtime-globals.d.ts', 'tool-context.d.ts', ...Object.keys(CORPUS).map((n) => `${n}.ts`)] }));
    let output = '';
    try {
      output = execFileSync(process.execPath, [path.resolve('node_modules/typescript/bin/tsc'), '-p', dir, '--pretty', 'false'], { encoding: 'utf8', cwd: dir });
    } catch (error) {
      // tsc exits 2 when it reports errors: its stdout is the answer.
      output = (error as { stdout: string }).stdout;
    }
    tsc = parseTsc(output);
  }, 120_000);

  afterAll(async () => {
    await checker?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the corpus has at least ten kinds of type error', () => {
    const codes = new Set(Object.values(CORPUS).flatMap((s) => marked(s).map(([, code]) => code)));
    expect(codes.size).toBeGreaterThanOrEqual(10);
  });

  for (const [name, source] of Object.entries(CORPUS)) {
    it(`${name}: line, column, code and message as tsc, and the marked errors`, async () => {
      const outcome = await checker.check({ fileName: `${name}.ts`, source, ambient: AMBIENT, libraries: LIBRARIES });
      if (!outcome.ok) throw new Error(outcome.message);
      const ours = outcome.diagnostics.map((d: TypeDiagnostic) => ({ at: [d.line, d.column, d.code] as Position, message: d.message.split('\n')[0]! }));
      expect(ours).toEqual(tsc.get(name) ?? []);
      expect(ours.map((d) => [d.at[0], d.at[2]])).toEqual(marked(source));
    });
  }

  it('types the handler when the agent did not: the same diagnostics, in the source as written', async () => {
    const annotated = CORPUS['kv_misuse']!;
    const bare = annotated.replace('(args: ToolArgs, ctx: ToolContext)', '(args, ctx = undefined as never)');
    const [a, b] = await Promise.all([checker.check({ fileName: 'a.ts', source: annotated, ambient: AMBIENT }), checker.check({ fileName: 'b.ts', source: bare, ambient: AMBIENT })]);
    if (!a.ok || !b.ok) throw new Error('the checker did not answer');
    expect(b.diagnostics).toEqual(a.diagnostics);
    // On the handler's own line, a column after the inserted annotations maps back too.
    const sameLine = 'export default (args, ctx) => ctx.kv.put(args.name);\n';
    const c = await checker.check({ fileName: 'c.ts', source: sameLine, ambient: AMBIENT });
    if (!c.ok) throw new Error(c.message);
    expect(c.diagnostics.map((d) => [d.line, d.column, d.code])).toEqual([[1, sameLine.indexOf('put') + 1, 2339]]);
  });
});
