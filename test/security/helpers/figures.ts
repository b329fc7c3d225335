/**
 * The security suite's figures (SECURITY.md quotes them). Each attack appends one JSON line to
 * the file named by CHAMELEON_SECURITY_FIGURES; without that variable, nothing is written.
 * scripts/security-figures.mjs sets it, runs the suite and prints the summary table.
 *
 * Record through harness.ts's recordAfterChecks: a figure says `contained` only after its
 * checks passed, and a bound that is missed still shows in the figures (as not contained),
 * never vanishing with the failed test.
 */
import fs from 'node:fs';

/**
 * `capability`: an attempt to do more than a tool's capabilities allow (issue 14): reach an
 * address or host the policy refuses (SSRF), another tool's or persona's kv namespace, or the
 * channel the sandbox forwards requests through.
 */
export type AttackClass = 'realm-escape' | 'information-leak' | 'persistence' | 'integrity' | 'capability' | 'denial-of-service' | 'process-fault' | 'protocol';

export interface Figure {
  /** The attack, usually the test file's name without `.test.ts`. */
  attack: string;
  class: AttackClass;
  /** The attack failed or was contained (no escape, no leak, the host unharmed). */
  contained: boolean;
  /** The failure kind the call was logged with (`timeout`, `memory`, ...), or a protocol error code; null if the call succeeded. */
  kind: string | null;
  /** How long the call took, server-side (`duration_ms`) when the server reports it, else as the client saw it. */
  elapsedMs: number | null;
  /** The limit the attack ran into (the tool's timeout_ms), or null. */
  limitMs: number | null;
  /** Peak resident memory of the sandbox process during the attack (MB), or null if not measured. */
  sandboxPeakRssMb: number | null;
  /** Worst event-loop stall of the server during the attack (ms), or null if not measured. */
  worstStallMs: number | null;
  /** Which limit `limitMs` is: the CPU-time limit or the wall-clock deadline. */
  limitKind?: 'cpu' | 'wall';
  /** elapsedMs - limitMs, when the attack was stopped by a limit. */
  overshootMs?: number;
  /** What the sandbox's peak was allowed to reach: its baseline + rssFactor x memory_mb (MB). */
  sandboxRssBoundMb?: number;
  /** The isolate's CPU time for the call (ms), from the execution log. */
  cpuMs?: number | null;
  /** Time to replace a sandbox process, when the attack needed one (ms). */
  replacementMs?: number;
  /** Anything a reader of the figures needs to interpret this line. */
  note?: string;
}

/** Appends one line for this attack (no-op unless CHAMELEON_SECURITY_FIGURES is set). */
export function recordFigure(figure: Figure): void {
  const file = process.env['CHAMELEON_SECURITY_FIGURES'];
  if (!file) return;
  const round = (n: number | null | undefined) => (typeof n === 'number' ? Math.round(n * 10) / 10 : n);
  const line = {
    ...figure,
    elapsedMs: round(figure.elapsedMs),
    sandboxPeakRssMb: round(figure.sandboxPeakRssMb),
    worstStallMs: round(figure.worstStallMs),
    ...(figure.overshootMs === undefined ? {} : { overshootMs: round(figure.overshootMs) }),
    ...(figure.sandboxRssBoundMb === undefined ? {} : { sandboxRssBoundMb: round(figure.sandboxRssBoundMb) }),
    ...(figure.replacementMs === undefined ? {} : { replacementMs: round(figure.replacementMs) }),
    ...(figure.cpuMs === undefined || figure.cpuMs === null ? {} : { cpuMs: round(figure.cpuMs) }),
    recordedAt: new Date().toISOString(),
  };
  // One short line per append: appends of this size are not interleaved between processes.
  fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
}
