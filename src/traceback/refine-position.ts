/**
 * Places a generated position exactly in the original source when it falls between two
 * mapping segments.
 *
 * esbuild starts a segment at each token that begins an expression or names a property, but
 * not at punctuation, and V8 often points at punctuation: the `.` of a property read on
 * undefined, the `[` of an indexed read, the `(` of a call that is not a function. A plain
 * source-map lookup answers with the start of the segment before it, which can be a whole
 * token away, or more where types were erased in between:
 *
 *     return this.rows.get(key)!.value!.amount;    (as written)
 *     return this.rows.get(key).value.amount;      (compiled; V8 points at `.amount`)
 *
 * gives `value` instead of `.amount`. Where the text from the segment before to the column is
 * the same in the compiled and the original line, the column is that far into the segment
 * (plain JavaScript, where nothing was erased); else, where the text from the column to the
 * segment after is the same in both, it is that far before it (`!` and other erased syntax sit
 * before the punctuation, not between it and the next token). When neither holds, the segment
 * start stands, as before.
 *
 * swc starts a segment at the punctuation itself, but maps the punctuation that follows an
 * erased non-null assertion to the `!`: `value!.amount` compiles to `value.amount`, with the
 * `.` mapped to the `!`. The position then moves past the `!`s to the punctuation V8 meant.
 */
import { zeroBasedColumn, type OneBasedLine, type ZeroBasedColumn } from './positions.js';
import type { OriginalPosition, SegmentsAt } from './source-maps.js';

export interface RefineInput {
  segments: SegmentsAt;
  column0: ZeroBasedColumn;
  /** The compiled line the position is on. */
  generatedLine: string;
  /** A line of the original source, undefined when there is none. */
  originalLine: (line1: OneBasedLine) => string | undefined;
}

/** The exact original position, or the segment's when it cannot be placed; null without segments. */
export function refinePosition(input: RefineInput): OriginalPosition | null {
  const { segments, column0, generatedLine, originalLine } = input;
  const { at, next } = segments;
  const fallback = at ?? next;
  if (fallback === null) return null;
  const name = fallback.name;
  const source = fallback.source;

  if (at !== null) {
    const offset = column0 - at.generatedColumn0;
    if (offset === 0) return pastErasedNonNull(at.line1, at.column0, name, source, generatedLine[column0], originalLine(at.line1));
    const generated = generatedLine.slice(at.generatedColumn0, column0 + 1);
    const original = originalLine(at.line1)?.slice(at.column0, at.column0 + offset + 1);
    if (generated.length === offset + 1 && generated === original) {
      return position(at.line1, at.column0 + offset, name, source) ?? fallback;
    }
  }

  // In a bundle the next segment may be in another file: its text says nothing of this one's.
  if (next !== null && (at === null || next.source === at.source)) {
    const distance = next.generatedColumn0 - column0;
    const start = next.column0 - distance;
    const ordered = at === null || at.line1 !== next.line1 || start >= at.column0;
    if (distance > 0 && start >= 0 && ordered) {
      const generated = generatedLine.slice(column0, next.generatedColumn0);
      const original = originalLine(next.line1)?.slice(start, next.column0);
      if (generated.length === distance && generated === original) {
        return position(next.line1, start, name, source) ?? fallback;
      }
    }
  }

  return { line1: fallback.line1, column0: fallback.column0, name, source };
}

function pastErasedNonNull(
  line1: OneBasedLine,
  column0: ZeroBasedColumn,
  name: string | null,
  source: string | null,
  generatedChar: string | undefined,
  original: string | undefined,
): OriginalPosition | null {
  if (original === undefined || generatedChar === undefined || generatedChar === '!' || original[column0] !== '!') {
    return { line1, column0, name, source };
  }
  let column = column0 as number;
  while (original[column] === '!') column++;
  return original[column] === generatedChar ? position(line1, column, name, source) ?? { line1, column0, name, source } : { line1, column0, name, source };
}

function position(line1: OneBasedLine, column0: number, name: string | null, source: string | null): OriginalPosition | null {
  const column = zeroBasedColumn(column0);
  return column === null ? null : { line1, column0: column, name, source };
}
