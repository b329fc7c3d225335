import { describe, expect, it } from 'vitest';
import { createPalette, renderTable, wantsColour, type Column } from '../../../src/cli/table.js';

interface Row {
  name: string;
  n: number;
  note: string;
}
const columns: Column<Row>[] = [
  { header: 'NAME', value: (r) => r.name, max: 8 },
  { header: 'N', value: (r) => String(r.n), align: 'right' },
  { header: 'NOTE', value: (r) => r.note, colour: (r) => (r.n > 1 ? 'red' : undefined) },
];
const rows: Row[] = [
  { name: 'add', n: 1, note: 'fine' },
  { name: 'a_very_long_name', n: 12, note: 'broken' },
];
const plain = createPalette(false);

describe('renderTable()', () => {
  it('pads columns to their widest cell, right-aligns numbers, and cuts at max', () => {
    expect(renderTable(columns, rows, { palette: plain }).split('\n')).toEqual([
      'NAME       N  NOTE',
      'add        1  fine',
      'a_very_…  12  broken',
    ]);
  });

  it('prints only the header for no rows', () => {
    expect(renderTable(columns, [], { palette: plain })).toBe('NAME  N  NOTE');
  });

  it('fits the last column into the terminal width', () => {
    const long = [{ name: 'x', n: 1, note: 'y'.repeat(200) }];
    const lines = renderTable(columns, long, { palette: plain, width: 40 }).split('\n');
    expect(lines[1]!.length).toBeLessThan(40);
    expect(lines[1]!.endsWith('…')).toBe(true);
  });

  it('makes every cell terminal-safe: a guest value cannot inject escapes or extra lines', () => {
    const hostile = [{ name: '\u001b[2Jx', n: 1, note: 'a\nFAKE ROW\r\u001b]0;title\u0007' }];
    const text = renderTable(columns, hostile, { palette: plain });
    expect(text.split('\n')).toHaveLength(2);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('colours after padding, so alignment is the same with and without colour', () => {
    const coloured = renderTable(columns, rows, { palette: createPalette(true) });
    // eslint-disable-next-line no-control-regex
    const stripped = coloured.replace(/\u001b\[\d+m/g, '');
    expect(stripped).toBe(renderTable(columns, rows, { palette: plain }));
    expect(coloured).toContain('\u001b[31mbroken\u001b[39m');
  });
});

describe('wantsColour()', () => {
  const tty = { isTTY: true };
  it.each([
    ['a terminal', tty, {}, true],
    ['a pipe', {}, {}, false],
    ['NO_COLOR on a terminal', tty, { NO_COLOR: '1' }, false],
    ['TERM=dumb', tty, { TERM: 'dumb' }, false],
    ['FORCE_COLOR on a pipe', {}, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=0 on a terminal', tty, { FORCE_COLOR: '0' }, false],
  ])('%s -> %s', (_name, stream, env, expected) => {
    expect(wantsColour(stream, env)).toBe(expected);
  });
});
