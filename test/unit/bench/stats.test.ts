import { describe, expect, it } from 'vitest';
import { batchFor, describeTarget, evaluateTarget, formatMs, formatRatio, pairedRatios, quantile, roundOrder, shuffled, summarize } from '../../../scripts/bench/lib/stats.mjs';

describe('quantile()', () => {
  it.each([
    [[5], 0.5, 5],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[4, 1, 3, 2], 0, 1],
    [[4, 1, 3, 2], 1, 4],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.1, 2],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9, 10],
    [[10, 20], 0.25, 12.5],
  ])('quantile(%j, %d) interpolates between closest ranks to %d', (values, q, expected) => {
    expect(quantile(values, q)).toBeCloseTo(expected, 12);
  });

  it('ignores NaN and infinities, and gives NaN for no values', () => {
    expect(quantile([Number.NaN, 3, Infinity, 1], 0.5)).toBe(2);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('refuses a q outside 0..1', () => {
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });

  it('does not reorder the array it is given', () => {
    const values = [3, 1, 2];
    quantile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('summarize()', () => {
  it('gives median, p10, p90 and the count of finite values', () => {
    const values = Array.from({ length: 101 }, (_, i) => i);
    expect(summarize([...values, Number.NaN])).toEqual({ median: 50, p10: 10, p90: 90, n: 101 });
  });
});

describe('roundOrder()', () => {
  it('rotates the ids left by one each round in the first cycle', () => {
    expect(roundOrder(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(roundOrder(['a', 'b', 'c'], 2)).toEqual(['c', 'a', 'b']);
  });

  it('puts every id in every position once in each cycle of ids.length rounds', () => {
    const ids = ['base', 'x', 'y', 'z', 'w'];
    for (let cycle = 0; cycle < 6; cycle++) {
      const rounds = ids.map((_, i) => roundOrder(ids, cycle * ids.length + i));
      for (const order of rounds) expect([...order].sort()).toEqual([...ids].sort());
      for (let position = 0; position < ids.length; position++) {
        expect(new Set(rounds.map((order) => order[position]))).toEqual(new Set(ids));
      }
    }
  });

  it('changes which id runs right before which from one cycle to another', () => {
    const ids = ['base', 'x', 'y', 'z', 'w', 'v'];
    const before = new Set<string>();
    for (let round = 0; round < ids.length * 8; round++) {
      const order = roundOrder(ids, round);
      for (let i = 1; i < order.length; i++) if (order[i] === 'x') before.add(order[i - 1]!);
    }
    expect(before.size).toBeGreaterThan(2);
  });

  it('is deterministic', () => {
    const ids = ['a', 'b', 'c', 'd'];
    expect(roundOrder(ids, 13)).toEqual(roundOrder([...ids], 13));
    expect(shuffled(ids, 7)).toEqual(shuffled(ids, 7));
  });

  it('returns nothing for no ids', () => {
    expect(roundOrder([], 3)).toEqual([]);
  });
});

describe('pairedRatios()', () => {
  it('divides round by round, variant over baseline, for time figures', () => {
    expect(pairedRatios([2, 6, 9], [1, 2, 3])).toEqual([2, 3, 3]);
  });

  it('gives throughput over baseline throughput for throughput figures', () => {
    expect(pairedRatios([2, 4], [1, 1], 'throughput')).toEqual([0.5, 0.25]);
  });

  it('skips rounds where either side is missing or not positive', () => {
    expect(pairedRatios([2, Number.NaN, 3, 4], [1, 1, 0, 2])).toEqual([2, 2]);
  });

  it('refuses series of different lengths', () => {
    expect(() => pairedRatios([1], [1, 2])).toThrow(RangeError);
  });
});

describe('batchFor()', () => {
  it('sizes a sample to last about sampleMs, within 1..maxBatch', () => {
    expect(batchFor(0.002, 10)).toBe(5000);
    expect(batchFor(30, 10)).toBe(1);
    expect(batchFor(0.000001, 10, 1000)).toBe(1000);
    expect(batchFor(0, 10, 77)).toBe(77);
  });
});

describe('evaluateTarget()', () => {
  it.each([
    [{ ratio: { op: '<=', value: 1.5 } }, { ratio: 1.5 }, 'PASS'],
    [{ ratio: { op: '<=', value: 1.5 } }, { ratio: 1.51 }, 'FAIL'],
    [{ ratio: { op: '>=', value: 0.6 } }, { ratio: 0.7 }, 'PASS'],
    [{ ratio: { op: '>=', value: 0.6 } }, { ratio: 0.5 }, 'FAIL'],
    [{ ratio: { op: '<=', value: 2 }, absMs: 10 }, { ratio: 1.9, absMs: 9.9 }, 'PASS'],
    [{ ratio: { op: '<=', value: 2 }, absMs: 10 }, { ratio: 1.9, absMs: 10 }, 'FAIL'],
    [{ ratio: { op: '<=', value: 2 }, absMs: 10 }, { ratio: 2.1, absMs: 5 }, 'FAIL'],
    [{ absMb: 1.5 }, { absMb: 1.5 }, 'PASS'],
    [{ growthPct: 20 }, { growthPct: 20 }, 'FAIL'],
    [{ ratio: { op: '<=', value: 2 } }, { ratio: Number.NaN }, '-'],
    [null, { ratio: 1 }, '-'],
  ] as const)('%j with %j is %s', (target, measured, expected) => {
    expect(evaluateTarget(target, measured)).toBe(expected);
  });
});

describe('formatting', () => {
  it('formatMs() keeps three significant digits with a fitting unit', () => {
    expect(formatMs(0.00123)).toBe('1.23 us');
    expect(formatMs(0.456)).toBe('456 us');
    expect(formatMs(45.6)).toBe('45.6 ms');
    expect(formatMs(1200)).toBe('1.20 s');
    expect(formatMs(-0.0042)).toBe('-4.20 us');
    expect(formatMs(0)).toBe('0.00 us');
    expect(formatMs(Number.NaN)).toBe('n/a');
  });

  it('formatRatio() and describeTarget() read as the table shows them', () => {
    expect(formatRatio(1.234)).toBe('1.23x');
    expect(formatRatio(937.4)).toBe('937x');
    expect(describeTarget({ ratio: { op: '<=', value: 2 }, absMs: 10 })).toBe('<= 2x, < 10.0 ms');
    expect(describeTarget(undefined)).toBe('');
  });
});
