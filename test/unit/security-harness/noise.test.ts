/**
 * The security suite's time bounds (test/security/helpers/noise.ts) must still catch what they
 * are for while tolerating machine noise: a hang or a blocked loop of this process is seen as
 * noise of its size, and a quiet machine's bound stays far below a hang.
 */
import { describe, expect, it } from 'vitest';
import { floorOf, idleStallBefore, loadedBound, processNoiseSince, stallBound, TIGHT } from '../../security/helpers/noise.js';

const idle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('noise meter', () => {
  it('processNoiseSince() sees this process blocked for 600 ms, and not a block before the window', async () => {
    await idle(50);
    const before = performance.now();
    for (const end = Date.now() + 600; Date.now() < end; );
    await idle(50);
    expect(processNoiseSince(before)).toBeGreaterThanOrEqual(500);
    const after = performance.now();
    await idle(100);
    // A block before the window is not this window's noise.
    expect(processNoiseSince(after)).toBeLessThan(500);
  });

  it('idleStallBefore() takes the worst of the windows just before an index, not after it', () => {
    const d = [80, 5, 7, 9, 11, 13, 900].map((eventLoopMaxMs) => ({ eventLoopMaxMs, rssBytes: 0 }));
    expect(idleStallBefore(d, 6)).toBe(13);
    expect(idleStallBefore(d, 6, 6)).toBe(80);
    expect(idleStallBefore(d, 0)).toBe(0);
  });
});

describe('bounds', () => {
  it('a quiet machine is held to 5x the tight figure, which a 1 s hang exceeds', () => {
    expect(stallBound(10)).toBe(floorOf(TIGHT.stallMs));
    expect(stallBound(10)).toBeLessThan(1_000);
  });

  it('a loaded machine raises the bound with its measured noise only', () => {
    expect(loadedBound(250, 100)).toBe(400);
    expect(stallBound(0, 750)).toBe(750);
  });
});
