/**
 * Where a value that is not an Error was thrown.
 *
 * V8 gives a thrown Error a stack when it is made; `throw 'bad input'`, `throw { code: 1 }` or
 * `throw null` carry nothing, and the prelude's catch cannot tell where they came from. So every
 * `throw x` of the compiled code becomes `throw __chameleon_throw(x)`: the sandbox's recorder
 * (sandbox/prelude/describe.ts) returns x unchanged and, when x is not an Error, takes a stack
 * right there. Its caller's frame is the throw site, and the source map gains a segment at the
 * inserted call that maps to the `throw` keyword as the agent wrote it.
 *
 * Cost: nothing per call on a path that throws nothing (the rewrite only touches `throw`
 * statements), one function call and an `instanceof` on a path that throws, one stack capture
 * when it throws a value that is not an Error. At compile time, nothing for a tool whose
 * throws are all `throw new ...` (no parse); otherwise one swc parse of the compiled code.
 * `throw new X(...)` is left alone: it throws an Error in all but name.
 */
import { decode, encode, type SourceMapMappings, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
import type { Node, Script, Span } from '@swc/core';
import { compiledSyntaxError } from './early-errors.js';
import { THROW_RECORDER } from './module-wrapper.js';
import { swcParseScript } from './swc-transform.js';

export interface Compiled {
  compiledJs: string;
  sourceMap: string;
}

/** A `throw` whose argument is not `new ...` (the word may be in a string or comment: only a hint to parse). */
const CANDIDATE = /\bthrow\b(?!\s*new\b)/;
/** Line breaks other than \n: generated lines are then counted in ways that may differ; such code is left as it is. */
const OTHER_LINE_BREAKS = /[\r\u2028\u2029]/;

interface Insertion {
  /** UTF-16 index in the compiled code. */
  at: number;
  text: string;
  /** For the call's opening: the index of the `throw` keyword, whose mapping the call takes. */
  throwAt?: number;
}

/**
 * The compiled code with its throw sites recorded, and its map adjusted to match; the input
 * unchanged when there is nothing to record, or when anything about it is unexpected.
 */
export async function recordThrowSites(input: Compiled, source: string): Promise<Compiled> {
  const { compiledJs } = input;
  if (!CANDIDATE.test(compiledJs) || compiledJs.includes(THROW_RECORDER) || OTHER_LINE_BREAKS.test(compiledJs)) return input;
  const script = await swcParseScript(compiledJs);
  if (script === null) return input;
  const insertions = throwInsertions(script, compiledJs);
  if (insertions.length === 0) return input;
  const rewritten = { compiledJs: insert(compiledJs, insertions), sourceMap: shiftMap(input.sourceMap, compiledJs, source, insertions) };
  // The rewrite only wraps expressions in a call; should it ever make code V8 refuses, the
  // code stays as compiled (without throw sites) rather than failing the agent's create.
  return compiledSyntaxError(rewritten.compiledJs) === null ? rewritten : input;
}

/** The opening and closing text of every throw to record, in the order of the code. */
function throwInsertions(script: Script, code: string): Insertion[] {
  const index = byteToIndex(code, script.span.start);
  const insertions: Insertion[] = [];
  for (const thrown of throwStatements(script)) {
    const argument = thrown.argument;
    if (argument.type === 'NewExpression') continue;
    const start = index(argument.span.start);
    const end = index(argument.span.end);
    const throwAt = index(thrown.span.start);
    if (start === null || end === null || throwAt === null) return [];
    // `throw a, b` throws b: as a call's argument the sequence needs its own parentheses.
    const sequence = argument.type === 'SequenceExpression';
    insertions.push({ at: start, text: `${THROW_RECORDER}(${sequence ? '(' : ''}`, throwAt }, { at: end, text: sequence ? '))' : ')' });
  }
  return insertions.sort((a, b) => a.at - b.at);
}

/** A ThrowStatement as swc's parser returns it (compiled code has no JSX, whose nodes lack a span). */
interface ThrowNode {
  span: Span;
  argument: { type: string; span: Span };
}

/** Every ThrowStatement of the program, at any depth (swc's AST is plain JSON data). */
function throwStatements(script: Script): ThrowNode[] {
  const found: ThrowNode[] = [];
  const stack: unknown[] = [script];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
      continue;
    }
    if ((node as Node).type === 'ThrowStatement') found.push(node as ThrowNode);
    for (const key in node) {
      if (key === 'span') continue;
      const value = (node as Record<string, unknown>)[key];
      if (typeof value === 'object' && value !== null) stack.push(value);
    }
  }
  return found;
}

/**
 * Maps swc's spans (UTF-8 byte offsets from `base`) to UTF-16 indexes of `code`; null for an
 * offset outside the code or inside a character.
 */
function byteToIndex(code: string, base: number): (offset: number) => number | null {
  // eslint-disable-next-line no-control-regex -- ASCII is the common case: bytes are indexes
  if (/^[\u0000-\u007f]*$/.test(code)) return (offset) => (offset - base >= 0 && offset - base <= code.length ? offset - base : null);
  const starts = new Map<number, number>();
  let bytes = 0;
  for (let i = 0; i < code.length; i++) {
    starts.set(bytes, i);
    const unit = code.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
  }
  starts.set(bytes, code.length);
  return (offset) => starts.get(offset - base) ?? null;
}

function insert(code: string, insertions: Insertion[]): string {
  let out = '';
  let from = 0;
  for (const { at, text } of insertions) {
    out += code.slice(from, at) + text;
    from = at;
  }
  return out + code.slice(from);
}

/**
 * The map of the rewritten code: on each line with insertions, every segment at or after an
 * insertion moves right by its length, and each recorder call gets a segment of its own that
 * maps where the `throw` keyword maps (the frame V8 reports for the recorder's caller is the
 * call's position). Only generated columns change: what the code maps to stays as it was.
 */
function shiftMap(sourceMap: string, code: string, source: string, insertions: Insertion[]): string {
  const map = JSON.parse(sourceMap) as { mappings: string };
  const lines: SourceMapMappings = decode(map.mappings);
  const lineStarts = lineStartsOf(code);
  const sourceLines = source.split(/\r\n|[\n\r\u2028\u2029]/);
  // Right to left: a shift for an insertion also moves the segments added for those after it.
  for (let i = insertions.length - 1; i >= 0; i--) {
    const { at, text, throwAt } = insertions[i]!;
    const { line, column } = position(lineStarts, at);
    const segments = lines[line];
    if (segments === undefined) continue;
    for (const segment of segments) if (segment[0] >= column) segment[0] += text.length;
    if (throwAt === undefined) continue;
    const target = throwTarget(segments, position(lineStarts, throwAt), line, column, text.length, sourceLines);
    if (target === null) continue;
    const added: SourceMapSegment = [column, target[1], target[2], target[3]];
    const before = segments.findIndex((s) => s[0] >= column);
    segments.splice(before < 0 ? segments.length : before, 0, added);
  }
  return JSON.stringify({ ...map, mappings: encode(lines) });
}

type MappedSegment = [number, number, number, number] | [number, number, number, number, number];

/**
 * The mapping the recorder call takes: that of the `throw` keyword. swc starts a segment there;
 * esbuild starts one at the thrown expression only, so the keyword is found that many columns
 * before it on the original line, when the source has `throw` there (it does, unless types
 * were erased in between). Failing both, the thrown expression's own mapping.
 */
function throwTarget(
  segments: SourceMapSegment[],
  keyword: { line: number; column: number },
  line: number,
  column: number,
  shift: number,
  sourceLines: string[],
): MappedSegment | null {
  const mapped = segments.filter((s): s is MappedSegment => s.length >= 4);
  const at = (c: number) => mapped.find((s) => s[0] === c);
  const onKeyword = keyword.line === line ? at(keyword.column) : undefined;
  if (onKeyword !== undefined) return onKeyword;
  const argument = at(column + shift);
  if (argument === undefined) return mapped.filter((s) => s[0] < column).pop() ?? null;
  const before = keyword.line === line ? column - keyword.column : -1;
  const original = argument[3] - before;
  if (before > 0 && original >= 0 && sourceLines[argument[2]]?.startsWith('throw', original) === true) {
    return [column, argument[1], argument[2], original];
  }
  return argument;
}

function lineStartsOf(code: string): number[] {
  const starts = [0];
  for (let i = code.indexOf('\n'); i >= 0; i = code.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 0-based line and column of a UTF-16 index. */
function position(lineStarts: number[], index: number): { line: number; column: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid]! <= index) low = mid;
    else high = mid - 1;
  }
  return { line: low, column: index - lineStarts[low]! };
}
