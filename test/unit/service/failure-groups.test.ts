import { describe, expect, it } from 'vitest';

import { occurrencesText, toTheSecond, versionRanges } from '../../../src/service/failure-groups.js';

describe('versionRanges()', () => {
  it.each([
    [[1], 'v1'],
    [[2, 3], 'v2–v3'],
    [[1, 2, 3, 5, 7, 8], 'v1–v3, v5, v7–v8'],
    [[3, 1, 2, 2], 'v1–v3'],
    [[null, 4], 'v4, refused code'],
    [[null], 'refused code'],
  ] as Array<[Array<number | null>, string]>)('writes %j as %s', (versions, text) => {
    expect(versionRanges(versions)).toBe(text);
  });
});

describe('occurrencesText()', () => {
  const base = { fingerprint: '0123456789abcdef', firstSeen: '2026-12-06T09:00:12.345Z', lastSeen: '2026-12-06T10:30:00.000Z' };

  it('says how often, where and since when, and that it has stopped', () => {
    expect(occurrencesText({ ...base, occurrences: 7, versions: [2, 3], notSeenSince: 4 })).toBe(
      'Seen 7 times in v2–v3 since 2026-12-06T09:00:12Z, last at 2026-12-06T10:30:00Z (fingerprint 0123456789abcdef); not seen since v4.',
    );
    expect(occurrencesText({ ...base, occurrences: 2, versions: [3], notSeenSince: null })).toMatch(/^Seen 2 times in v3 since .*\)\.$/);
  });

  it('calls a first occurrence the first', () => {
    expect(occurrencesText({ ...base, occurrences: 1, versions: [1], notSeenSince: null })).toBe(
      'Seen once (fingerprint 0123456789abcdef): the first failure of this kind, at this place, with this message.',
    );
    expect(occurrencesText({ ...base, occurrences: 1, versions: [1], notSeenSince: 2 })).toMatch(/ Not seen since v2\.$/);
  });

  it('cuts times to the second', () => {
    expect(toTheSecond('2026-12-06T09:00:12.345Z')).toBe('2026-12-06T09:00:12Z');
  });
});
