import { describe, expect, it } from 'vitest';

import { failureGroupKey, groupFailures } from '../../../src/console/failure-groups.js';
import { failure } from '../store/fixtures.js';

const at = (line: number) => [{ function: 'main', tool: 'add', version: 1, file: 'add.ts', line, column: 7 }];

describe('groupFailures()', () => {
  it('groups by tool, kind, error name and top frame, counting, dating and listing the versions', () => {
    const rows = [
      failure({ id: 'e4', timestamp: '2026-12-01T04:00:00.000Z', version: 3, frames: at(3), errorMessage: 'newest' }),
      failure({ id: 'e3', timestamp: '2026-12-01T03:00:00.000Z', version: 2, frames: at(9) }),
      failure({ id: 'e2', timestamp: '2026-12-01T02:00:00.000Z', version: 1, frames: at(3) }),
      failure({ id: 'e1', timestamp: '2026-12-01T01:00:00.000Z', version: 1, frames: at(3), errorName: 'RangeError' }),
    ];
    const groups = groupFailures(rows);
    expect(groups.map((g) => [g.topFrame, g.name, g.count, g.versions, g.firstSeen.slice(11, 13), g.lastSeen.slice(11, 13), g.latestId, g.message])).toEqual([
      ['main (add.ts:3)', 'TypeError', 2, [1, 3], '02', '04', 'e4', 'newest'],
      ['main (add.ts:9)', 'TypeError', 1, [2], '03', '03', 'e3', 'x is not a function'],
      ['main (add.ts:3)', 'RangeError', 1, [1], '01', '01', 'e1', 'x is not a function'],
    ]);
  });

  it('uses a fingerprint instead when the row carries one (issue 17)', () => {
    const a = { ...failure({ frames: at(3) }), fingerprint: 'fp1' };
    const b = { ...failure({ frames: at(9), errorName: 'RangeError' }), fingerprint: 'fp1' };
    expect(failureGroupKey(a)).toBe(failureGroupKey(b));
    expect(groupFailures([a, b])).toHaveLength(1);
  });
});
