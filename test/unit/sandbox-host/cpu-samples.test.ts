import { describe, expect, it } from 'vitest';
import { summariseProfiles, type ProfileData } from '../../../src/sandbox-host/cpu-samples.js';

const FILE = 'chameleon/default/t@1.js';

type Node = ProfileData['profile']['nodes'][number];
const node = (id: number, functionName: string, url: string, lineNumber: number, columnNumber: number, children: number[] = []): Node => ({
  id,
  children,
  callFrame: { functionName, url, lineNumber, columnNumber },
});

/** One profile: `samples[i]` taken at `i` ms after the start. */
function profile(nodes: Node[], samples: number[], startTime = 1_000_000): ProfileData {
  return { profile: { startTime, nodes, samples, timeDeltas: samples.map((_, i) => i * 1000) } };
}

// (root) -> default -> hot ; default -> helper -> Math builtin ; (garbage collector) ; other script.
const TREE = [
  node(1, '(root)', '', 0, 0, [2, 6, 7]),
  node(2, 'default', FILE, 9, 25, [3, 4]),
  node(3, 'hot', FILE, 2, 13),
  node(4, 'helper', FILE, 5, 16, [5]),
  node(5, 'max', '', 0, 0),
  node(6, '(garbage collector)', '', 0, 0),
  node(7, 'prelude', 'chameleon-prelude.js', 1, 1),
];

describe('summariseProfiles()', () => {
  it('groups the window\'s samples by the innermost function of the script, hottest first, with its callers', () => {
    // 10 samples: the first half (the window is the last half of the run) is all in helper.
    const samples = [4, 4, 4, 4, 4, 3, 3, 3, 5, 6, 3];
    const out = summariseProfiles([profile(TREE, samples)], FILE);
    expect(out).toEqual({
      total: 6,
      windowMs: 5,
      hot: [
        { count: 4, frames: [{ functionName: 'hot', line: 2, column: 13 }, { functionName: 'default', line: 9, column: 25 }] },
        // A sample in a builtin counts for the script's function that called it.
        { count: 1, frames: [{ functionName: 'helper', line: 5, column: 16 }, { functionName: 'default', line: 9, column: 25 }] },
      ],
    });
  });

  it('counts samples outside the script in the total, never as frames', () => {
    const out = summariseProfiles([profile(TREE, [6, 7, 6, 7])], FILE);
    expect(out).toEqual({ total: 2, windowMs: 2, hot: [] });
  });

  it('keeps frames of its own script only: another tool\'s or persona\'s frames are not reported', () => {
    const other = [node(1, '(root)', '', 0, 0, [2]), node(2, 'spy', 'chameleon/other/t@1.js', 1, 1, [3]), node(3, 'hot', FILE, 2, 13)];
    const out = summariseProfiles([profile(other, [2, 2, 3, 3])], FILE);
    expect(out?.hot).toEqual([{ count: 2, frames: [{ functionName: 'hot', line: 2, column: 13 }] }]);
  });

  it('merges the profiles of several isolate entries, whose node ids overlap', () => {
    const first = profile(TREE, [3, 3], 1_000_000);
    const second = profile([node(1, '(root)', '', 0, 0, [3]), node(3, 'later', FILE, 20, 3)], [3, 3, 3], 1_010_000);
    const out = summariseProfiles([first, second], FILE);
    expect(out?.hot.map((h) => [h.frames[0]?.functionName, h.count])).toEqual([['later', 3]]);
  });

  it('returns null when nothing was sampled', () => {
    expect(summariseProfiles([], FILE)).toBeNull();
    expect(summariseProfiles([profile(TREE, [])], FILE)).toBeNull();
  });

  it('stays bounded on hostile input: long names cut, deep paths capped, cycles and junk survived', () => {
    const deep: Node[] = [node(0, '(root)', '', 0, 0, [1])];
    for (let i = 1; i <= 5_000; i++) deep.push(node(i, `f${i}`.padEnd(10_000, 'x'), FILE, i, 1, i < 5_000 ? [i + 1] : []));
    deep.push(node(6_000, 'loop', FILE, 1, 1, [6_000])); // a node that is its own parent
    const out = summariseProfiles([profile(deep, [5_000, 5_000, 5_000, 6_000])], FILE);
    expect(out?.hot[0]?.frames).toHaveLength(16);
    expect(out?.hot[0]?.frames[0]?.functionName).toHaveLength(200);
    expect(out?.hot[1]?.frames.length).toBeLessThanOrEqual(16);
    const junk = [{ profile: { startTime: NaN, nodes: 'x', samples: null, timeDeltas: [] } }] as unknown as ProfileData[];
    expect(summariseProfiles(junk, FILE)).toBeNull();
  });
});
