/**
 * Issue 2, "Done when": for every broken tool in test/fixtures/broken-tools/, the first frame
 * of the failure names the exact line, and a column inside the faulty expression, of the
 * source as the agent wrote it.
 *
 * Each fixture marks its own fault with a comment at the end of the faulty line:
 *
 *     return memo![n - 1];  // <- fails: `memo![n - 1]` name=TypeError fn=fib
 *
 * The expected line is the marker's line; the expected columns are the span of the quoted
 * text on that line (before the comment, where it must occur exactly once), 1-based. Options:
 * `name=` the error name (required), `fn=` the first frame's function (quote names with
 * spaces), `at=` text inside the quoted one whose first character must be the exact column
 * (where V8's choice is worth pinning), `kind=` the failure kind (default `exception`;
 * `compile` fails at create), `phase=create` for a module that throws while loading, and `sub=` the
 * failure's subkind (e.g. `unhandled_rejection`; none when left out), `frame=` the function of
 * another frame the failure must have (`"Promise.all (index 1)"`), and `says=` text the message
 * must contain. A `// @args {...}` line gives the call's arguments, a `// @limits {...}` line its
 * `timeoutMs`/`memoryMb`. The marker stays in the source the tool is created from, so no column
 * moves.
 *
 * A `timeout` has no stack: its frames are CPU samples (`sampled: true`), the hot function at
 * the position where it starts, so its marker sits on the function's first line; `callers=` lists
 * the functions expected in the frames below it, innermost first. Only a call that follows a
 * timeout of its version is sampled, so a timeout fixture is called twice: the first call must
 * say how to learn where, the second where. `located=no` marks a failure whose place the
 * engine cannot know (a memory kill, or an invalid_result: the result is checked after the
 * handler returned, and the message names the value's path instead): it must have no frame,
 * and say so (`says=`, by default "cannot say where"); its quoted text is only read.
 *
 * Errors linked to the failure carry their own markers, with the same quoting and `name=`:
 * `// <- cause: ` for the failure's cause, `// <- cause.cause: ` for the cause's cause, and
 * `// <- errors[1]: ` for an AggregateError's member 1; each one's first frame is checked.
 *
 * The tool is named after the file; `.ts` files are TypeScript, and are type-checked with the
 * tests (every bug here gets past the type checker), `.js` files are JavaScript, and `.mts`
 * files are TypeScript that must not parse, or that V8 refuses (a duplicate `const`): so they
 * stay out of `tsconfig.test.json`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Failure, FailureFacts, Language, LinkedError } from '../../src/model.js';
import { NAME_PATTERN } from '../../src/model.js';
import type { PersonaScope } from '../../src/service/index.js';
import { NOT_SAMPLED } from '../../src/service/timeout-failure.js';

/** A version's first timeout: not sampled, and says how to learn where (or met the wall clock first). */
const UNSAMPLED_TIMEOUT = new RegExp(`${escape(NOT_SAMPLED.first_timeout)}|deadline \\(wall clock\\)`);
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { reportLocation } from '../helpers/location-report.js';

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/broken-tools/', import.meta.url));
const MARKER = '// <- fails: ';
/** `// <- cause: `, `// <- cause.cause: `, `// <- errors[1]: ` (the path of a linked error in the failure). */
const LINKED_MARKER = /\/\/ <- ((?:cause|errors\[\d+\])(?:\.(?:cause|errors\[\d+\]))*): /;
/** Line terminators as JavaScript (and so V8, esbuild and the code frame) counts them. */
const NEWLINE = /\r\n|[\n\r\u2028\u2029]/;

interface Expectation {
  line: number;
  /** 1-based, inclusive: the span of `text` on `line`. */
  columnFrom: number;
  columnTo: number;
  text: string;
  lineText: string;
  kind: Failure['kind'];
  name: string;
  fn: string | undefined;
  /** The exact 1-based column, when the marker pins it with `at=`. */
  column: number | undefined;
  phase: 'create' | 'run';
  sub: Failure['subkind'];
  callers: string[] | undefined;
  /** The function of another frame the failure must have. */
  frame: string | undefined;
  /** Text the message must contain. */
  says: string | undefined;
  /** False for failures that have no location by design (a memory kill, invalid_result). */
  located: boolean;
}

/** Where a linked error (`cause`, `cause.cause`, `errors[1]`) must point. */
interface LinkedExpectation {
  path: string;
  line: number;
  columnFrom: number;
  columnTo: number;
  name: string;
}

interface Fixture {
  file: string;
  tool: string;
  language: Language;
  source: string;
  args: Record<string, unknown>;
  limits: { timeoutMs?: number; memoryMb?: number };
  expect: Expectation;
  linked: LinkedExpectation[];
}

interface Marked {
  line: number;
  lineText: string;
  text: string;
  /** 1-based start of `text` on its line. */
  column: number;
  options: Map<string, string>;
}

/** A marker's line, quoted text and options; `strict` requires the text to occur once before the marker. */
function readMarker(file: string, line: number, lineText: string, marker: string, strict: boolean): Marked {
  const code = lineText.slice(0, lineText.lastIndexOf(marker));
  const spec = /^`([^`]+)`(.*)$/.exec(lineText.slice(lineText.lastIndexOf(marker) + marker.length));
  if (!spec) throw new Error(`${file}:${line}: the marker must quote the faulty expression in backticks`);
  const text = spec[1]!;
  const at = code.indexOf(text);
  if (strict && (at < 0 || code.lastIndexOf(text) !== at)) {
    throw new Error(`${file}:${line}: \`${text}\` must occur exactly once on its line before the marker`);
  }
  const options = new Map<string, string>();
  for (const m of spec[2]!.matchAll(/(\w+)=(?:"([^"]*)"|(\S+))/g)) options.set(m[1]!, m[2] ?? m[3]!);
  return { line, lineText, text, column: at + 1, options };
}

function loadFixture(file: string): Fixture {
  const ext = path.extname(file);
  const tool = path.basename(file, ext);
  const language: Language = ext === '.js' ? 'javascript' : 'typescript';
  const source = fs.readFileSync(path.join(FIXTURE_DIR, file), 'utf8');
  const lines = source.split(NEWLINE);

  const marked = lines.flatMap((text, i) => (text.includes(MARKER) ? [{ text, line: i + 1 }] : []));
  if (marked.length !== 1) throw new Error(`${file}: expected exactly one "${MARKER}" marker, found ${marked.length}`);
  const kind = (/\bkind=(\S+)/.exec(marked[0]!.text)?.[1] ?? 'exception') as Failure['kind'];
  const located = !/\blocated=no\b/.test(marked[0]!.text);
  const main = readMarker(file, marked[0]!.line, marked[0]!.text, MARKER, located);
  const { text, lineText, line, options } = main;
  const at = main.column - 1;
  const name = options.get('name');
  if (name === undefined) throw new Error(`${file}:${line}: the marker needs name=<ErrorName>`);
  const pin = options.get('at');
  let column: number | undefined;
  if (pin !== undefined) {
    const inside = text.indexOf(pin);
    if (inside < 0 || text.lastIndexOf(pin) !== inside) throw new Error(`${file}:${line}: at=${pin} must occur exactly once in \`${text}\``);
    column = at + inside + 1;
  }
  const linked = lines.flatMap((lineText, i): LinkedExpectation[] => {
    const found = LINKED_MARKER.exec(lineText);
    if (found === null) return [];
    const m = readMarker(file, i + 1, lineText, found[0], true);
    const linkedName = m.options.get('name');
    if (linkedName === undefined) throw new Error(`${file}:${i + 1}: the marker needs name=<ErrorName>`);
    return [{ path: found[1]!, line: i + 1, columnFrom: m.column, columnTo: m.column + m.text.length - 1, name: linkedName }];
  });

  const argsLine = lines.find((l) => l.startsWith('// @args '));
  const args = argsLine === undefined ? {} : (JSON.parse(argsLine.slice('// @args '.length)) as Record<string, unknown>);
  const limitsLine = lines.find((l) => l.startsWith('// @limits '));
  const limits = limitsLine === undefined ? {} : (JSON.parse(limitsLine.slice('// @limits '.length)) as Fixture['limits']);
  const callers = options.get('callers')?.split(',');

  return {
    file,
    tool,
    language,
    source,
    args,
    limits,
    expect: {
      line,
      columnFrom: at + 1,
      columnTo: at + text.length,
      text,
      lineText,
      kind,
      name,
      fn: options.get('fn'),
      column,
      phase: kind === 'compile' || options.get('phase') === 'create' ? 'create' : 'run',
      sub: options.get('sub') as Failure['subkind'],
      callers,
      frame: options.get('frame'),
      says: options.get('says'),
      located,
    },
    linked,
  };
}

const fixtures = fs
  .readdirSync(FIXTURE_DIR)
  .filter((f) => /\.(ts|mts|js)$/.test(f))
  .sort()
  .map(loadFixture);

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

/**
 * The target row of a @babel/code-frame (`> N | text`) and the caret under it: the shown text,
 * and the index in it of the character the caret points at.
 */
function caretTarget(frame: string, line: number): { shown: string; at: number } | null {
  const rows = frame.split('\n');
  const target = rows.findIndex((r) => new RegExp(`^> +${line} \\| `).test(r));
  const caret = rows[target + 1];
  if (target < 0 || caret === undefined || !caret.includes('^')) return null;
  const textStart = rows[target]!.indexOf('| ') + 2;
  return { shown: rows[target]!.slice(textStart), at: caret.indexOf('^') - textStart };
}

describe('the broken-tool fixture set', () => {
  it('has at least 15 fixtures, in both languages, with valid tool names', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
    expect(fixtures.some((f) => f.language === 'javascript')).toBe(true);
    expect(fixtures.some((f) => f.expect.kind === 'compile')).toBe(true);
    for (const f of fixtures) expect(f.tool).toMatch(NAME_PATTERN);
  });

  it('keeps the CRLF fixture in CRLF (a checkout that normalises it would test nothing)', () => {
    const crlf = fixtures.find((f) => f.tool === 'crlf_line_endings');
    expect(crlf?.source).toMatch(/\r\n/);
    expect(crlf?.source).not.toMatch(/[^\r]\n/);
  });
});

describe.each(fixtures)('$file', (fixture) => {
  const { expect: want, tool } = fixture;

  const title = want.located
    ? `reports line ${want.line}, a column in ${want.columnFrom}-${want.columnTo} (\`${want.text}\`), in its first frame, and logs the same`
    : `reports ${want.kind} with no frame, and says ${want.says === undefined ? 'the engine cannot know where' : `"${want.says}"`}`;
  it(title, async () => {
    const created = await scope.createTool({
      name: tool,
      description: `broken fixture ${fixture.file}`,
      code: fixture.source,
      language: fixture.language,
      ...fixture.limits,
    });
    let failure: Failure;
    let executionId: string;
    if (want.phase === 'create') {
      expect(created.ok, 'the create should be refused').toBe(false);
      if (created.ok) return;
      ({ failure, executionId } = created);
    } else {
      if (!created.ok) throw new Error(`create failed: ${JSON.stringify(created.failure, null, 2)}`);
      if (want.kind === 'timeout') {
        const unsampled = await scope.runTool(tool, fixture.args);
        expect(!unsampled.ok && unsampled.failure.frames).toEqual([]);
        expect(!unsampled.ok && unsampled.failure.message).toMatch(UNSAMPLED_TIMEOUT);
      }
      let out = await scope.runTool(tool, fixture.args);
      // On a loaded machine a spin can meet the wall clock before its CPU limit, which loses
      // its samples (the isolate is disposed mid-run); the next call is sampled again.
      for (let retry = 0; retry < 3 && want.kind === 'timeout' && !out.ok && out.failure.frames.length === 0; retry++) {
        out = await scope.runTool(tool, fixture.args);
      }
      expect(out.ok, 'the call should fail').toBe(false);
      if (out.ok) return;
      ({ failure, executionId } = out);
    }

    reportLocation(fixture.file, want, failure);
    const where = `${JSON.stringify(failure.frames, null, 1)}\n${failure.rawStack ?? ''}\n${failure.message}`;
    expect(failure.kind, where).toBe(want.kind);
    expect(failure.name).toBe(want.name);
    if (want.says !== undefined) expect(failure.message).toContain(want.says);
    expect(failure.mapped).toBe(true);
    if (!want.located) {
      // No location by design: the message says why, or names what to change (`says=`).
      expect(failure.frames, where).toEqual([]);
      if (want.says === undefined) expect(failure.message).toMatch(/cannot say where/);
      expect(await scope.getExecution(executionId)).toMatchObject({ status: 'FAILURE', errorKind: want.kind, errorName: want.name, frames: [] });
      return;
    }
    // Frames from CPU samples are marked, and only those: a timeout's frames are all samples.
    expect(failure.frames.map((f) => f.sampled === true), where).toEqual(failure.frames.map(() => want.kind === 'timeout'));
    if (want.callers !== undefined) expect(failure.frames.slice(1).map((f) => f.function), where).toEqual(want.callers);
    const top = failure.frames[0];
    expect(top, where).toBeDefined();
    expect(top!.line, where).toBe(want.line);
    expect(top!.column, where).toBeGreaterThanOrEqual(want.columnFrom);
    expect(top!.column, where).toBeLessThanOrEqual(want.columnTo);
    if (want.column !== undefined) expect(top!.column, where).toBe(want.column);
    expect(top!.file).toBe(`${tool}.${fixture.language === 'typescript' ? 'ts' : 'js'}`);
    expect(top!.tool).toBe(tool);
    // Refused code is no version: its frames carry 0, never the number the next saved version gets.
    expect(top!.version).toBe(want.phase === 'create' ? 0 : 1);
    if (want.fn !== undefined) expect(top!.function, where).toBe(want.fn);
    expect(failure.subkind).toBe(want.sub);
    if (want.frame !== undefined) expect(failure.frames.map((f) => f.function), where).toContain(want.frame);
    for (const link of fixture.linked) {
      const error = linkedAt(failure, link.path);
      const first = error?.frames[0];
      const shown = `${link.path}: ${JSON.stringify(error)}`;
      expect(error?.name, shown).toBe(link.name);
      expect(first?.line, shown).toBe(link.line);
      expect(first!.column, shown).toBeGreaterThanOrEqual(link.columnFrom);
      expect(first!.column, shown).toBeLessThanOrEqual(link.columnTo);
    }

    // The code frame shows the faulty line (cut to a window when it is long), with the caret
    // under the reported column.
    const target = caretTarget(failure.codeFrame ?? '', want.line);
    expect(target, failure.codeFrame ?? 'no code frame').not.toBeNull();
    if (want.lineText.length <= 200) expect(target!.shown).toBe(want.lineText);
    else expect(target!.shown).toContain(want.text);
    expect(target!.shown[target!.at]).toBe(want.lineText[top!.column - 1]);
    if (target!.shown === want.lineText) expect(target!.at).toBe(top!.column - 1);

    // The log row holds the same failure.
    const row = await scope.getExecution(executionId);
    expect(row).toMatchObject({ status: 'FAILURE', errorKind: want.kind, errorName: want.name, codeFrame: failure.codeFrame });
    expect(row.frames).toEqual(failure.frames);
    for (const link of fixture.linked) expect(linkedAt(failureOfLog(row), link.path)).toEqual(linkedAt(failure, link.path));
  });
});

/** The linked error at `cause.errors[1]`-style path of a failure. */
function linkedAt(failure: FailureFacts, path: string): LinkedError | undefined {
  let at: FailureFacts | undefined = failure;
  for (const step of path.split('.')) {
    const member = /^errors\[(\d+)\]$/.exec(step);
    at = member ? at?.errors?.[Number(member[1])] : at?.cause;
  }
  return at as LinkedError | undefined;
}

function failureOfLog(row: { errorFacts: FailureFacts | null }): FailureFacts {
  return row.errorFacts ?? {};
}
