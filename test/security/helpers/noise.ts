/**
 * Time bounds that hold on a loaded machine (issue 21).
 *
 * The security suite's claims about time ("the server's event loop never stalls", "the CPU
 * limit holds", "a killed sandbox is replaced") are checked on 2-core machines that run at a
 * load of 2-9. A fixed figure tuned to a quiet machine (50 ms, +50 ms) trips on scheduling
 * noise alone, and a red CI lands nothing. So every time bound here is the larger of:
 *   - a floor of FLOOR_FACTOR x the tight figure (wide enough that noise on a quiet or
 *     moderately loaded machine never reaches it, while a hang or an unenforced limit still
 *     does: those are seconds, not tens of milliseconds), and
 *   - NOISE_FACTOR x the machine noise measured beside the attack, in the same test: how late
 *     this process's own timers fired over the attack's window, and how much the server's
 *     loop stalled in the idle windows just before it.
 * The tight figures themselves are measured and reported, never asserted, by
 * scripts/security-figures.mjs and quoted in SECURITY.md with the load they were taken at.
 */
import type { Diagnostics } from './harness.js';

/** The tight figures of issue 4, which SECURITY.md reports every measurement against. */
export const TIGHT = {
  /** The server's event loop is never stalled longer than this by an attack. */
  stallMs: 50,
  /** The CPU limit is enforced within this much past timeout_ms. */
  cpuSlackMs: 50,
  /** The wall-clock deadline is enforced within this much past timeout_ms. */
  wallSlackMs: 100,
  /** The MCP round trip (stdio, JSON, the log commit) on top of a call. */
  roundTripMs: 150,
} as const;

/** A bound with no noise measured is this many times its tight figure. */
export const FLOOR_FACTOR = 5;
/** A bound is at least this many times the noise measured beside the attack. */
export const NOISE_FACTOR = 4;

/** max(floor, NOISE_FACTOR x noise): the bound a time figure is asserted against. */
export function loadedBound(floorMs: number, noiseMs: number): number {
  return Math.max(floorMs, NOISE_FACTOR * noiseMs);
}

/** The floor for a tight figure: FLOOR_FACTOR x it. */
export function floorOf(tightMs: number): number {
  return FLOOR_FACTOR * tightMs;
}

/**
 * How late this process's timers fire, sampled every SAMPLE_MS for as long as the test file
 * runs: the machine's scheduling noise as a process that does almost nothing sees it. A ring
 * of (time, lateness) pairs answers "the worst lateness since t" for any window.
 */
const SAMPLE_MS = 10;
const KEEP = 30_000 / SAMPLE_MS;
const times: number[] = [];
const lateness: number[] = [];
let sampler: NodeJS.Timeout | null = null;

function startSampler(): void {
  if (sampler) return;
  let expected = performance.now() + SAMPLE_MS;
  sampler = setInterval(() => {
    const now = performance.now();
    times.push(now);
    lateness.push(Math.max(0, now - expected));
    if (times.length > KEEP) {
      times.shift();
      lateness.shift();
    }
    expected = now + SAMPLE_MS;
  }, SAMPLE_MS);
  sampler.unref();
}
startSampler();

/** The worst lateness of this process's own timers since `since` (performance.now()). */
export function processNoiseSince(since: number): number {
  let worst = 0;
  for (let i = times.length - 1; i >= 0 && times[i]! >= since; i--) worst = Math.max(worst, lateness[i]!);
  return worst;
}

/** The server's worst stall in the (up to) `windows` diagnostics windows before index `from`: its idle noise. */
export function idleStallBefore(diagnostics: Diagnostics[], from: number, windows = 5): number {
  return diagnostics.slice(Math.max(0, from - windows), from).reduce((m, d) => Math.max(m, d.eventLoopMaxMs), 0);
}

/** The bound for the server's worst event-loop stall, given the noise measured beside it. */
export function stallBound(noiseMs: number, floorMs = floorOf(TIGHT.stallMs)): number {
  return loadedBound(floorMs, noiseMs);
}

/**
 * The machine noise beside an attack that began at `started` (performance.now()) and at index
 * `from` of the server's diagnostics: the server's idle stall before it, and this process's
 * own timer lateness since.
 */
export function noiseBeside(diagnostics: Diagnostics[], from: number, started: number): number {
  return Math.max(idleStallBefore(diagnostics, from), processNoiseSince(started));
}
