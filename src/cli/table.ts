/**
 * Plain-text tables and colours for the terminal. Cells are made terminal-safe and cut to their
 * column's width here; colour is applied after padding, so escape codes never upset alignment.
 */
import { displayWidth, terminalSafe, truncate } from '../terminal-text.js';

export type Colour = 'red' | 'green' | 'yellow' | 'cyan' | 'dim' | 'bold';

export interface Palette {
  readonly enabled: boolean;
  paint(colour: Colour, text: string): string;
}

const CODES: Record<Colour, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export function createPalette(enabled: boolean): Palette {
  return {
    enabled,
    paint: (colour, text) => (enabled && text !== '' ? `\u001b[${CODES[colour][0]}m${text}\u001b[${CODES[colour][1]}m` : text),
  };
}

/**
 * Colours when `stream` is a terminal, unless NO_COLOR is set (https://no-color.org) or
 * FORCE_COLOR asks for them anyway (FORCE_COLOR=0 turns them off).
 */
export function wantsColour(stream: unknown, env: Readonly<Record<string, string | undefined>>): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return isTty(stream) && env['TERM'] !== 'dumb';
}

export function isTty(stream: unknown): boolean {
  return typeof stream === 'object' && stream !== null && (stream as { isTTY?: unknown }).isTTY === true;
}

/** The terminal's width, or undefined when `stream` is not a terminal. */
export function terminalColumns(stream: unknown): number | undefined {
  if (!isTty(stream)) return undefined;
  const columns = (stream as { columns?: unknown }).columns;
  return typeof columns === 'number' && columns > 0 ? columns : undefined;
}

export interface Column<Row> {
  header: string;
  /** The cell's text; guest-controlled values are fine, they are made safe here. */
  value: (row: Row) => string;
  /** Widest this column gets (default 40). The last column takes what the terminal has left. */
  max?: number;
  /** Narrowest it gets, so that tables printed in pieces (`logs --follow`) line up. */
  min?: number;
  align?: 'left' | 'right';
  colour?: (row: Row) => Colour | undefined;
}

export interface TableOptions {
  palette: Palette;
  /** Terminal width; when undefined the last column is capped at its `max` (default 100). */
  width?: number;
}

const GAP = '  ';

/** Header plus one line per row, columns padded to their widest cell. */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[], options: TableOptions): string {
  const cells = rows.map((row) => columns.map((c) => terminalSafe(c.value(row))));
  const widths = columns.map((c, i) => {
    const widest = Math.max(displayWidth(c.header), c.min ?? 0, ...cells.map((r) => displayWidth(r[i] ?? '')));
    return Math.min(widest, c.max ?? (i === columns.length - 1 ? 100 : 40));
  });
  if (options.width !== undefined && columns.length > 0) {
    const last = columns.length - 1;
    const used = widths.slice(0, last).reduce((a, b) => a + b + GAP.length, 0);
    widths[last] = Math.max(Math.min(widths[last]!, options.width - used - 1), Math.min(widths[last]!, 12));
  }
  const line = (texts: string[], colourOf: (i: number) => Colour | undefined) =>
    columns
      .map((c, i) => {
        const width = widths[i]!;
        const text = truncate(texts[i] ?? '', width);
        const last = i === columns.length - 1;
        const padded = c.align === 'right' ? text.padStart(width + text.length - displayWidth(text)) : last ? text : text.padEnd(width + text.length - displayWidth(text));
        const colour = colourOf(i);
        return colour ? options.palette.paint(colour, padded) : padded;
      })
      .join(GAP)
      .trimEnd();
  const out = [line(columns.map((c) => c.header), () => 'bold')];
  rows.forEach((row, r) => out.push(line(cells[r]!, (i) => columns[i]!.colour?.(row))));
  return out.join('\n');
}
