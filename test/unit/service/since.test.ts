import { describe, expect, it } from 'vitest';
import { parseSince } from '../../../src/service/since.js';

const NOW = Date.parse('2026-11-30T20:00:00Z');

describe('parseSince()', () => {
  it.each<[string, string | null]>([
    ['2026-11-30T21:00:00+01:00', '2026-11-30T20:00:00.000Z'],
    ['15m', '2026-11-30T19:45:00.000Z'],
    ['30s', '2026-11-30T19:59:30.000Z'],
    [' 2H ', '2026-11-30T18:00:00.000Z'],
    ['7d', '2026-11-23T20:00:00.000Z'],
    ['yesterday', null],
    ['15 minutes', null],
    ['99999999999d', null],
  ])('parseSince(%j) is %j', (value, expected) => {
    expect(parseSince(value, NOW)).toBe(expected);
  });
});
