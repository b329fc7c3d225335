/**
 * Issue 13, item 11: a tool's source compiles with swc up to 32 KB and with esbuild past that
 * (compile.ts, swc-transform.ts), so its frames must not depend on its size. Every fixture of
 * the traceback suite (test/fixtures/broken-tools/, which checks the positions themselves) is
 * created twice: as written, and with a comment of over 32 KB appended after its last line,
 * which moves no line or column before it but sends it to esbuild. Both must fail alike:
 * same kind, name, frames (function, line, column) and code frame.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Failure } from '../../src/model.js';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/broken-tools/', import.meta.url));
/** Past swc-transform.ts's SYNC_MAX_CHARS (32 KB). */
const PADDING = `// ${'padding '.repeat(4_500)}`;

const fixtures = fs
  .readdirSync(FIXTURE_DIR)
  .filter((f) => /\.(ts|mts|js)$/.test(f))
  .sort()
  .map((file) => {
    const ext = path.extname(file);
    const source = fs.readFileSync(path.join(FIXTURE_DIR, file), 'utf8');
    const lines = source.split(/\r?\n/);
    const argsLine = lines.find((l) => l.startsWith('// @args '));
    const limitsLine = lines.find((l) => l.startsWith('// @limits '));
    return {
      file,
      tool: path.basename(file, ext),
      language: ext === '.js' ? ('javascript' as const) : ('typescript' as const),
      source,
      args: argsLine === undefined ? {} : (JSON.parse(argsLine.slice('// @args '.length)) as Record<string, unknown>),
      limits: limitsLine === undefined ? {} : (JSON.parse(limitsLine.slice('// @limits '.length)) as { timeoutMs?: number; memoryMb?: number }),
      // A failure whose place the engine cannot know (a memory kill) has no frames to compare.
      locatable: !/<- fails: .* located=no/.test(source),
    };
  });

let engine: TestEngine;
let small: PersonaScope;
let large: PersonaScope;
let db: Database.Database;

beforeAll(async () => {
  engine = await startEngine();
  small = engine.app.forPersona('as_written');
  large = engine.app.forPersona('padded');
  db = new Database(engine.dbPath, { readonly: true });
});
afterAll(async () => {
  db.close();
  await engine.close();
});

type Outcome = { failure: Failure; compiledJs: string | null };

async function failureOf(scope: PersonaScope, fixture: (typeof fixtures)[number], source: string): Promise<Outcome> {
  const created = await scope.createTool({ name: fixture.tool, description: fixture.file, code: source, language: fixture.language, ...fixture.limits });
  if (!created.ok) return { failure: created.failure, compiledJs: null };
  let out = await scope.runTool(fixture.tool, fixture.args);
  // A timeout is sampled only on a call after a timeout of its version (worker/cpu-profile.ts);
  // on a loaded machine the wall clock can stop a spin first, losing its samples: call again.
  for (let i = 0; i < 4 && !out.ok && out.failure.kind === 'timeout' && out.failure.frames.length === 0; i++) {
    out = await scope.runTool(fixture.tool, fixture.args);
  }
  if (out.ok) throw new Error(`${fixture.file}: the call should fail`);
  const row = db
    .prepare('SELECT v.compiled_js FROM versions v JOIN tools t ON t.id = v.tool_id WHERE t.persona = ? AND t.name = ? AND v.version = 1')
    .get(scope.persona, fixture.tool) as { compiled_js: string };
  return { failure: out.failure, compiledJs: row.compiled_js };
}

/** What the agent is shown of where it failed. */
function position(failure: Failure) {
  return {
    kind: failure.kind,
    name: failure.name,
    mapped: failure.mapped,
    frames: failure.frames.map(({ function: fn, line, column, file }) => ({ fn, line, column, file })),
  };
}

/** A code frame without the rows of lines past `lastLine` (the appended comment and what follows it). */
function withoutAppendedRows(codeFrame: string | null, lastLine: number): string[] {
  return (codeFrame ?? '').split('\n').filter((row) => Number(/^[> ] *(\d+) \|/.exec(row)?.[1] ?? 0) <= lastLine);
}

/** Fixtures that went through both compilers (some go to esbuild at any size). */
let compared = 0;

describe.each(fixtures)('$file', (fixture) => {
  it('fails at the same place whether swc or esbuild compiled it', async () => {
    const newline = fixture.source.includes('\r\n') ? '\r\n' : '\n';
    const ended = fixture.source.endsWith(newline) ? fixture.source : `${fixture.source}${newline}`;
    // A comment after the last line moves nothing before it; swc keeps it, esbuild drops it,
    // which tells which compiler made the saved code.
    const asWritten = await failureOf(small, fixture, `${ended}// kept by swc${newline}`);
    const padded = await failureOf(large, fixture, `${ended}${PADDING}${newline}`);
    expect(position(padded.failure)).toEqual(position(asWritten.failure));
    const lastLine = ended.split(newline).length - 1;
    expect(withoutAppendedRows(padded.failure.codeFrame, lastLine)).toEqual(withoutAppendedRows(asWritten.failure.codeFrame, lastLine));
    if (fixture.locatable) expect(asWritten.failure.frames.length).toBeGreaterThan(0);
    if (padded.compiledJs !== null) expect(padded.compiledJs).not.toContain('padding padding');
    if (asWritten.compiledJs?.includes('kept by swc')) compared++;
  });
});

describe('the comparison', () => {
  it('compared swc with esbuild for most fixtures that save code', () => {
    const saved = fixtures.filter((f) => !/^(early_|syntax_error|js_syntax_error)/.test(f.tool)).length;
    expect(compared).toBeGreaterThanOrEqual(saved - 5);
  });
});
