/**
 * Reading a few lines out of a source without splitting all of it, and cutting a long line to
 * a window that still shows a given column. Both bound the work and the output: a 1 MB
 * one-line source must not turn into a 1 MB traceback.
 */
import { ELLIPSIS, capText, isHighSurrogate, isLowSurrogate } from './display-text.js';

/** Line terminators as JavaScript and @babel/code-frame count them. */
const NEWLINE = /\r\n|[\n\r\u2028\u2029]/;

/** Lines beyond this are not looked up (String#split's limit is a uint32). */
const MAX_LINE_NUMBER = 2 ** 31;

/** Default width of a line window around a column. */
export const MAX_LINE_WIDTH = 200;

/** Lines `from1..to1` (1-based, inclusive) that exist; fewer or none near the end. */
export function sourceLines(source: string, from1: number, to1: number): string[] {
  if (!Number.isSafeInteger(from1) || !Number.isSafeInteger(to1) || from1 < 1 || to1 < from1) return [];
  if (to1 > MAX_LINE_NUMBER) return [];
  // split() with a limit stops scanning once it has that many pieces.
  return source.split(NEWLINE, to1).slice(from1 - 1);
}

/** Line `line1` of `source`, trimmed and capped for one-line display; undefined if absent. */
export function sourceLineAt(source: string, line1: number, maxWidth = MAX_LINE_WIDTH): string | undefined {
  const [line] = sourceLines(source, line1, line1);
  return line === undefined ? undefined : capText(line.trim(), maxWidth);
}

/** The first character (0-based) of a `width`-wide window of a `length`-long line that best centres `column1`. */
export function windowStart(length: number, column1: number, width = MAX_LINE_WIDTH): number {
  if (length <= width) return 0;
  const centre = Math.min(Math.max(column1 - 1, 0), length);
  return Math.min(Math.max(centre - Math.floor(width / 2), 0), length - width);
}

export interface CutLine {
  text: string;
  /** How many characters of the line were cut before `text`'s first kept one. */
  cutBefore: number;
}

/** Characters `start .. start + width` of `line`, each cut marked with an ellipsis. */
export function cutLine(line: string, start: number, width = MAX_LINE_WIDTH): CutLine {
  let from = Math.min(Math.max(start, 0), line.length);
  let to = Math.min(from + width, line.length);
  // Never split a surrogate pair: widen by one character instead.
  if (from > 0 && isLowSurrogate(line.charCodeAt(from))) from -= 1;
  if (to < line.length && to > 0 && isHighSurrogate(line.charCodeAt(to - 1))) to += 1;
  const text = (from > 0 ? ELLIPSIS : '') + line.slice(from, to) + (to < line.length ? ELLIPSIS : '');
  return { text, cutBefore: from };
}
