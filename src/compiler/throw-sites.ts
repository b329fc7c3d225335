/**
 * Where a value that is not an Error was thrown.
 *
 * V8 gives a thrown Error a stack when it is made; `throw 'bad input'`, `throw { code: 1 }` or
 * `throw null` carry nothing, and the prelude's catch cannot tell where they came from. So every
 * `throw x` of the compiled code becomes `throw __chameleon_throw(x)`: the sandbox's recorder
 * (sandbox/prelude/describe.ts) returns x unchanged and, when x is not an Error, takes a stack
 * right there. Its caller's frame is the throw site: V8 reports a call at its callee's first
 * character, where the thrown expression began, and the map keeps that expression's segment
 * there, so the frame points at the thrown value as the agent wrote it (with swc's output and
 * esbuild's alike).
 *
 * Cost: nothing per call on a path that throws nothing (the rewrite only touches `throw`
 * statements), one function call and an `instanceof` on a path that throws, one stack capture
 * when it throws a value that is not an Error. At compile time, nothing for a tool whose
 * throws are all `throw new ...` (no parse); otherwise one swc parse of the compiled code, on
 * libuv's thread pool, whose JSON is searched for throw statements, not turned into objects.
 * `throw new X(...)` is left alone: it throws an Error in all but name.
 */
import { compiledSyntaxError } from './early-errors.js';
import { shiftGeneratedColumns } from './map-columns.js';
import { THROW_RECORDER } from './module-wrapper.js';
import { swcParseJson } from './swc-transform.js';

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
  /** The call's opening: the thrown expression's segment stays at `at`, so the call maps with it. */
  opening: boolean;
}

/**
 * The compiled code with its throw sites recorded, and its map adjusted to match; the input
 * unchanged when there is nothing to record, or when anything about it is unexpected.
 */
export async function recordThrowSites(input: Compiled): Promise<Compiled> {
  const { compiledJs } = input;
  if (!CANDIDATE.test(compiledJs) || compiledJs.includes(THROW_RECORDER) || OTHER_LINE_BREAKS.test(compiledJs)) return input;
  const ast = await swcParseJson(compiledJs);
  if (ast === null) return input;
  const insertions = throwInsertions(ast, compiledJs);
  if (insertions.length === 0) return input;
  const sourceMap = shiftMap(input.sourceMap, compiledJs, insertions);
  if (sourceMap === null) return input;
  const rewritten = { compiledJs: insert(compiledJs, insertions), sourceMap };
  // The rewrite only wraps expressions in a call; should it ever make code V8 refuses, the
  // code stays as compiled (without throw sites) rather than failing the agent's create.
  return compiledSyntaxError(rewritten.compiledJs) === null ? rewritten : input;
}

/**
 * swc's JSON for a script starts with its span, and writes every ThrowStatement as its type,
 * its span (the statement's, `;` included) and its argument, whose type comes first (its
 * serialiser writes the tag, then a node's fields in declaration order; where the argument's
 * own span comes depends on its type, so it is not read). A string of the code cannot forge
 * this text: inside a JSON string value every `"` is escaped. Offsets are UTF-8 bytes from the
 * script's span start.
 */
const SCRIPT_SPAN = /^\{"program":\{"type":"Script","span":\{"start":(\d+),/;
const THROW = /"type":"ThrowStatement","span":\{"start":(\d+),"end":(\d+)\},"argument":\{"type":"(\w+)"/g;

/** The opening and closing text of every throw to record, in the order of the code; [] when the AST is not as expected. */
function throwInsertions(ast: string, code: string): Insertion[] {
  const script = SCRIPT_SPAN.exec(ast);
  if (script === null) return [];
  const index = byteToIndex(code, Number(script[1]));
  const insertions: Insertion[] = [];
  for (const match of ast.matchAll(THROW)) {
    const [, statementStart, statementEnd, type] = match;
    if (type === 'NewExpression') continue;
    const throwAt = index(Number(statementStart));
    const end = index(Number(statementEnd));
    if (throwAt === null || end === null || !code.startsWith('throw', throwAt)) return [];
    const argument = argumentOf(code, throwAt, end);
    if (argument === null) return [];
    // `throw a, b` throws b: as a call's argument the sequence needs its own parentheses.
    const sequence = type === 'SequenceExpression';
    insertions.push({ at: argument.start, text: `${THROW_RECORDER}(${sequence ? '(' : ''}`, opening: true }, { at: argument.end, text: sequence ? '))' : ')', opening: false });
  }
  return insertions.sort((a, b) => a.at - b.at);
}

/**
 * The thrown expression of the statement `code[from, to)`: after `throw` and the blanks and
 * block comments that follow it, up to the statement's `;` (the compilers end every statement
 * with one) and the blanks before it. Null when the text is not shaped so.
 */
function argumentOf(code: string, from: number, to: number): { start: number; end: number } | null {
  let start = from + 'throw'.length;
  for (;;) {
    while (start < to && /\s/.test(code[start]!)) start++;
    if (!code.startsWith('/*', start)) break;
    const close = code.indexOf('*/', start + 2);
    if (close < 0 || close >= to) return null;
    start = close + 2;
  }
  let end = to;
  if (code[end - 1] === ';') end--;
  while (end > start && /\s/.test(code[end - 1]!)) end--;
  return end > start ? { start, end } : null;
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

/** The map of the rewritten code: only generated columns move (map-columns.ts). Null if the map is not as expected. */
function shiftMap(sourceMap: string, code: string, insertions: Insertion[]): string | null {
  const map = JSON.parse(sourceMap) as { mappings?: unknown };
  if (typeof map.mappings !== 'string') return null;
  const lineStarts = lineStartsOf(code);
  const shifts = insertions.map(({ at, text, opening }) => ({ ...position(lineStarts, at), length: text.length, keep: opening }));
  const mappings = shiftGeneratedColumns(map.mappings, shifts);
  return mappings === null ? null : JSON.stringify({ ...map, mappings });
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
