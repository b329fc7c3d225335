/**
 * A few source lines around a position with a caret under the column, as the agent sees it
 * in a traceback. Guest positions can be anything, so every input is survivable.
 */
import { codeFrameColumns, type BabelCodeFrameOptions } from '@babel/code-frame';

import { MAX_LINE_WIDTH, cutLine, sourceLines, windowStart } from './source-lines.js';

const LINES_ABOVE = 2;
const LINES_BELOW = 2;

// `startLine` (number of the first line passed) is in @babel/code-frame's own Options type
// but missing from @types/babel__code-frame 7.27. It lets us pass only the lines shown, not
// the whole source; a test pins the gutter numbers so an upgrade that drops it fails CI.
type CodeFrameOptions = BabelCodeFrameOptions & { startLine?: number };

/**
 * Lines `line1 - 2 .. line1 + 2` of `source`, the caret under `column1` (both 1-based).
 *
 * Lines longer than 200 characters are cut to a window chosen around the column on the target
 * line; every shown line is cut to that same window so that they stay aligned. A column past
 * the end of its line puts the caret just after the line; a column below 1 marks the line
 * without a caret; a line that does not exist yields ''.
 */
export function codeFrame(source: string, line1: number, column1: number): string {
  try {
    if (typeof source !== 'string' || !Number.isSafeInteger(line1) || line1 < 1) return '';
    const first = Math.max(1, line1 - LINES_ABOVE);
    const lines = sourceLines(source, first, line1 + LINES_BELOW);
    const target = lines[line1 - first];
    if (target === undefined) return '';

    const hasColumn = Number.isSafeInteger(column1) && column1 >= 1;
    const column = hasColumn ? Math.min(column1, target.length + 1) : 1;
    // One window for all shown lines, chosen for the target line, so that they stay aligned.
    const start = windowStart(target.length, column, MAX_LINE_WIDTH);
    const shown = lines.map((line) => cutLine(line, start, MAX_LINE_WIDTH).text);
    // In the cut target line the column moves left by the cut, and right by its ellipsis.
    const { cutBefore } = cutLine(target, start, MAX_LINE_WIDTH);
    const shownColumn = cutBefore === 0 ? column : column - cutBefore + 1;

    const options: CodeFrameOptions = {
      highlightCode: false,
      linesAbove: LINES_ABOVE,
      linesBelow: LINES_BELOW,
      startLine: first,
    };
    return codeFrameColumns(
      shown.join('\n'),
      { start: hasColumn ? { line: line1, column: shownColumn } : { line: line1 } },
      options,
    );
  } catch {
    return '';
  }
}
