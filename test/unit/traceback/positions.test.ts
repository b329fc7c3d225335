import { describe, expect, it } from 'vitest';

import {
  oneBasedColumn,
  oneBasedLine,
  toOneBasedColumn,
  toZeroBasedColumn,
  zeroBasedColumn,
} from '../../../src/traceback/positions.js';

describe('positions', () => {
  it.each([
    [1, 1],
    [42, 42],
    [0, null],
    [-1, null],
    [1.5, null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
  ])('oneBasedLine(%s) and oneBasedColumn() accept only positive integers (%s)', (n, expected) => {
    expect(oneBasedLine(n)).toBe(expected);
    expect(oneBasedColumn(n)).toBe(expected);
  });

  it('zeroBasedColumn() accepts 0 but not -1', () => {
    expect(zeroBasedColumn(0)).toBe(0);
    expect(zeroBasedColumn(-1)).toBeNull();
  });

  it('toZeroBasedColumn() and toOneBasedColumn() convert by one', () => {
    const column1 = oneBasedColumn(7)!;
    expect(toZeroBasedColumn(column1)).toBe(6);
    expect(toOneBasedColumn(toZeroBasedColumn(column1))).toBe(7);
  });
});
