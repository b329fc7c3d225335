import { describe, expect, it } from 'vitest';

import { oneBasedLine, zeroBasedColumn, type OneBasedLine, type ZeroBasedColumn } from '../../../src/traceback/positions.js';
import { refinePosition } from '../../../src/traceback/refine-position.js';
import type { Segment } from '../../../src/traceback/source-maps.js';

function line1(n: number): OneBasedLine {
  return oneBasedLine(n)!;
}
function column0(n: number): ZeroBasedColumn {
  return zeroBasedColumn(n)!;
}
function segment(generated: number, line: number, column: number, name: string | null = null): Segment {
  return { generatedColumn0: column0(generated), line1: line1(line), column0: column0(column), name, source: null };
}

// Written on line 3; compiled onto line 1 with the `!`s erased and the indentation changed.
const ORIGINAL = ['', '', '    return this.rows.get(key)!.value!.amount;'];
const GENERATED = '  return this.rows.get(key).value.amount;';
const original = (line: OneBasedLine) => ORIGINAL[line - 1];
const col = (text: string, needle: string) => text.indexOf(needle);

describe('refinePosition()', () => {
  it("moves a segment that swc maps to an erased `!` onto the punctuation V8 points at", () => {
    // swc: `.amount`'s `.` starts a segment mapped to the `!` before it in the source.
    const dot = col(GENERATED, '.amount');
    const at = segment(dot, 3, col(ORIGINAL[2]!, '!.amount'));
    expect(refinePosition({ segments: { at, next: null }, column0: column0(dot), generatedLine: GENERATED, originalLine: original })).toEqual({
      line1: 3,
      column0: col(ORIGINAL[2]!, '.amount'),
      name: null,
      source: null,
    });
  });

  it('keeps a segment on a `!` that is still in the compiled code (`!==`, a negation)', () => {
    const source = ['  if (a !== b) return !c;'];
    const compiled = 'if (a !== b) return !c;';
    const bang = col(compiled, '!c');
    const at = segment(bang, 1, col(source[0]!, '!c'));
    expect(refinePosition({ segments: { at, next: null }, column0: column0(bang), generatedLine: compiled, originalLine: (l) => source[l - 1] })).toEqual({
      line1: 1,
      column0: col(source[0]!, '!c'),
      name: null,
      source: null,
    });
  });

  it('keeps a position that starts a segment', () => {
    const at = segment(col(GENERATED, 'value'), 3, col(ORIGINAL[2]!, 'value'), 'v');
    expect(refinePosition({ segments: { at, next: null }, column0: at.generatedColumn0, generatedLine: GENERATED, originalLine: original })).toEqual({
      line1: 3,
      column0: at.column0,
      name: 'v',
      source: null,
    });
  });

  it('counts into the segment before when the text up to the column reads the same', () => {
    // V8 points at the `(` of `get(key)`: `get(` is unchanged, so it is 3 into `get`'s segment.
    const at = segment(col(GENERATED, 'get'), 3, col(ORIGINAL[2]!, 'get'), 'g');
    const next = segment(col(GENERATED, 'key'), 3, col(ORIGINAL[2]!, 'key'));
    const paren = col(GENERATED, '(key');
    expect(refinePosition({ segments: { at, next }, column0: column0(paren), generatedLine: GENERATED, originalLine: original })).toEqual({
      line1: 3,
      column0: col(ORIGINAL[2]!, '(key'),
      name: 'g',
      source: null,
    });
  });

  it('does not count on across erased syntax (`key)!.value`), but back from the segment after', () => {
    const at = segment(col(GENERATED, 'key'), 3, col(ORIGINAL[2]!, 'key'));
    const next = segment(col(GENERATED, 'value'), 3, col(ORIGINAL[2]!, 'value'));
    const dot = col(GENERATED, ').value') + 1;
    const found = refinePosition({ segments: { at, next }, column0: column0(dot), generatedLine: GENERATED, originalLine: original });
    // Counting on from `key` would land on the `!`.
    expect(found?.column0).toBe(col(ORIGINAL[2]!, '!.value') + 1);
  });

  it('counts back from the segment after when erased syntax sits before the column (`value!.amount`)', () => {
    const at = segment(col(GENERATED, 'value'), 3, col(ORIGINAL[2]!, 'value'), 'kept');
    const next = segment(col(GENERATED, 'amount'), 3, col(ORIGINAL[2]!, 'amount'));
    const dot = col(GENERATED, '.amount');
    expect(refinePosition({ segments: { at, next }, column0: column0(dot), generatedLine: GENERATED, originalLine: original })).toEqual({
      line1: 3,
      column0: col(ORIGINAL[2]!, '.amount'),
      name: 'kept',
      source: null,
    });
  });

  it('falls back to the segment start when neither side reads the same', () => {
    const generated = 'a(b)';
    const at = segment(0, 1, 0);
    const next = segment(2, 1, 9);
    const found = refinePosition({ segments: { at, next }, column0: column0(1), generatedLine: generated, originalLine: () => 'a <T> ( b )' });
    expect(found).toEqual({ line1: 1, column0: 0, name: null, source: null });
  });

  it('never counts back past the start of the segment before', () => {
    const at = segment(0, 1, 5);
    const next = segment(3, 1, 6);
    // Counting back 2 from column 6 would give 4, before `at`'s 5.
    expect(refinePosition({ segments: { at, next }, column0: column0(1), generatedLine: 'xyz.w', originalLine: () => '....yz.w' })).toEqual({
      line1: 1,
      column0: 5,
      name: null,
      source: null,
    });
  });

  it('uses the segment after alone when there is none before, as the plain lookup does', () => {
    const next = segment(4, 2, 7, 'n');
    expect(refinePosition({ segments: { at: null, next }, column0: column0(3), generatedLine: '   .x', originalLine: () => '      .x' })).toEqual({
      line1: 2,
      column0: 6,
      name: 'n',
      source: null,
    });
    expect(refinePosition({ segments: { at: null, next }, column0: column0(0), generatedLine: '   .x', originalLine: () => 'x' })).toEqual({
      line1: 2,
      column0: 7,
      name: 'n',
      source: null,
    });
  });

  it('is null without segments, and survives lines that do not exist', () => {
    expect(refinePosition({ segments: { at: null, next: null }, column0: column0(0), generatedLine: '', originalLine: () => undefined })).toBeNull();
    const at = segment(0, 9, 0);
    expect(refinePosition({ segments: { at, next: null }, column0: column0(3), generatedLine: 'abcd', originalLine: () => undefined })).toEqual({
      line1: 9,
      column0: 0,
      name: null,
      source: null,
    });
  });
});
