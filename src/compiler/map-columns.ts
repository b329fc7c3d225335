/**
 * Moves generated columns of a source map's mappings when text is inserted into a generated
 * line: each segment at or after an insertion (strictly after, for a `keep` insertion) moves
 * right by the inserted length. Nothing else changes.
 *
 * Done on the encoded text, line by line, rather than by decoding the whole map: a segment's
 * generated column is the only field that is relative to the segment before it *on its line*
 * (source, line, column and name are relative across lines), so re-encoding that one field of
 * the segments of the lines that changed leaves every other field, and every other line, valid
 * as it is. Decoding and re-encoding a 130 KB script's whole map took 10-35 ms of the event loop
 * here; this touches only the lines with insertions.
 */

export interface ColumnShift {
  /** 0-based generated line and column of the insertion. */
  line: number;
  column: number;
  length: number;
  /** True: a segment starting exactly at `column` stays (the inserted text maps with it). */
  keep: boolean;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** The mappings with the shifts applied, or null when they are not well-formed VLQ. */
export function shiftGeneratedColumns(mappings: string, shifts: ColumnShift[]): string | null {
  const lines = mappings.split(';');
  const byLine = new Map<number, ColumnShift[]>();
  for (const shift of shifts) byLine.set(shift.line, [...(byLine.get(shift.line) ?? []), shift]);
  for (const [line, here] of byLine) {
    const text = lines[line];
    if (text === undefined || text === '') continue;
    const shifted = shiftLine(text, here);
    if (shifted === null) return null;
    lines[line] = shifted;
  }
  return lines.join(';');
}

function shiftLine(text: string, shifts: ColumnShift[]): string | null {
  const segments = text.split(',');
  let column = 0;
  let previousNew = 0;
  const out: string[] = [];
  for (const segment of segments) {
    const first = readVlq(segment, 0);
    if (first === null) return null;
    column += first.value;
    let moved = column;
    for (const s of shifts) if (s.column < column || (s.column === column && !s.keep)) moved += s.length;
    out.push(writeVlq(moved - previousNew) + segment.slice(first.end));
    previousNew = moved;
  }
  return out.join(',');
}

/** One base64 VLQ value starting at `at`, and where it ends. */
function readVlq(text: string, at: number): { value: number; end: number } | null {
  let result = 0;
  let shift = 0;
  for (let i = at; i < text.length; i++) {
    const digit = DIGIT.get(text[i]!);
    if (digit === undefined || shift > 30) return null;
    result += (digit & 31) * 2 ** shift;
    shift += 5;
    if ((digit & 32) === 0) {
      const negative = result % 2 === 1;
      const magnitude = Math.floor(result / 2);
      return { value: negative ? -magnitude : magnitude, end: i + 1 };
    }
  }
  return null;
}

function writeVlq(value: number): string {
  let rest = value < 0 ? -value * 2 + 1 : value * 2;
  let out = '';
  do {
    let digit = rest % 32;
    rest = Math.floor(rest / 32);
    if (rest > 0) digit += 32;
    out += BASE64[digit];
  } while (rest > 0);
  return out;
}
