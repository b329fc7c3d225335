/**
 * Line and column numbers whose base is part of their type.
 *
 * V8 prints 1-based lines and 1-based columns; the `source-map` library takes 1-based lines
 * and 0-based columns; `model.ts` frames are 1-based. Mixing them up is an off-by-one that no
 * test of a happy path notices, so the numbers that cross those boundaries are branded: a
 * `OneBasedColumn` cannot be passed where a `ZeroBasedColumn` is expected without going
 * through `toZeroBasedColumn`. Brands exist only at compile time; at run time they are numbers.
 */

declare const base: unique symbol;

export type OneBasedLine = number & { readonly [base]: 'line1' };
export type OneBasedColumn = number & { readonly [base]: 'column1' };
export type ZeroBasedColumn = number & { readonly [base]: 'column0' };

/** A positive safe integer as a 1-based line, or null when `n` is not one. */
export function oneBasedLine(n: number): OneBasedLine | null {
  return Number.isSafeInteger(n) && n >= 1 ? (n as OneBasedLine) : null;
}

/** A positive safe integer as a 1-based column, or null when `n` is not one. */
export function oneBasedColumn(n: number): OneBasedColumn | null {
  return Number.isSafeInteger(n) && n >= 1 ? (n as OneBasedColumn) : null;
}

/** A non-negative safe integer as a 0-based column, or null when `n` is not one. */
export function zeroBasedColumn(n: number): ZeroBasedColumn | null {
  return Number.isSafeInteger(n) && n >= 0 ? (n as ZeroBasedColumn) : null;
}

export function toZeroBasedColumn(column1: OneBasedColumn): ZeroBasedColumn {
  return (column1 - 1) as ZeroBasedColumn;
}

export function toOneBasedColumn(column0: ZeroBasedColumn): OneBasedColumn {
  return (column0 + 1) as OneBasedColumn;
}
