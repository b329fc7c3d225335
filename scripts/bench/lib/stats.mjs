// Pure statistics for the benchmark harness: no clock, no I/O, so it can be unit-tested.
//
// The machines are noisy (shared, 2 cores, load often above 2), so a figure is the per-round
// RATIO of a variant against a baseline measured in the same round, summarised over many
// rounds. Absolute times are reported as context only.

/**
 * Quantile `q` (0..1) of `values` by linear interpolation between closest ranks (the "type 7"
 * definition of R and NumPy's default). NaN for an empty list.
 */
export function quantile(values, q) {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be within 0..1, got ${q}`);
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median, p10 and p90 (and the count) of the finite values in `values`. */
export function summarize(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  return { median: quantile(finite, 0.5), p10: quantile(finite, 0.1), p90: quantile(finite, 0.9), n: finite.length };
}

/**
 * The order in which round `round` (0-based) runs `ids`. Rounds come in cycles of ids.length:
 * within a cycle the order is rotated left by one each round, so every id runs once in every
 * position (first after an idle gap, last with everything else's garbage behind it). Rotation
 * alone would keep the same neighbours forever (b always right after a), and what ran just
 * before a sample changes it (a busy sandbox process, a cold cache), so each cycle after the
 * first rotates a different, deterministic shuffle of the ids.
 */
export function roundOrder(ids, round) {
  const n = ids.length;
  if (n === 0) return [];
  const cycle = Math.floor(round / n);
  const base = cycle === 0 ? [...ids] : shuffled(ids, cycle);
  const k = round % n;
  return [...base.slice(k), ...base.slice(0, k)];
}

/** Fisher-Yates with a small seeded generator (mulberry32): the same seed, the same order. */
export function shuffled(items, seed) {
  const out = [...items];
  let state = (seed * 0x9e3779b9) >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Per-round ratios of a variant against the baseline, from per-operation times (ms) of the
 * same rounds. For 'time' figures the ratio is variant/baseline (lower is better: 2 means
 * twice as slow); for 'throughput' figures it is baseline/variant, i.e. variant throughput
 * over baseline throughput (higher is better: 0.5 means half the calls per second).
 * Rounds where either side is missing or not positive give no ratio.
 */
export function pairedRatios(variantMs, baselineMs, metric = 'time') {
  if (variantMs.length !== baselineMs.length) throw new RangeError('pairedRatios: both sides need one time per round');
  const out = [];
  for (let i = 0; i < variantMs.length; i++) {
    const v = variantMs[i];
    const b = baselineMs[i];
    if (!(v > 0) || !(b > 0)) continue;
    out.push(metric === 'throughput' ? b / v : v / b);
  }
  return out;
}

/**
 * How many operations one sample should run so that it lasts about `sampleMs`, given a
 * measured time per operation; at least 1, at most `maxBatch`.
 */
export function batchFor(perOpMs, sampleMs, maxBatch = 100_000) {
  if (!(perOpMs > 0)) return maxBatch;
  return Math.max(1, Math.min(maxBatch, Math.round(sampleMs / perOpMs)));
}

/**
 * PASS/FAIL of a target against the measured medians. A target is
 * `{ ratio?: { op: '<=' | '>=', value }, absMs?: number, absMb?: number, growthPct?: number }`;
 * every part that is given must hold. '-' when there is no target or nothing to compare.
 */
export function evaluateTarget(target, measured) {
  if (!target) return '-';
  const checks = [];
  if (target.ratio) {
    const r = measured.ratio;
    if (!Number.isFinite(r)) return '-';
    checks.push(target.ratio.op === '<=' ? r <= target.ratio.value : r >= target.ratio.value);
  }
  if (target.absMs !== undefined) {
    if (!Number.isFinite(measured.absMs)) return '-';
    checks.push(measured.absMs < target.absMs);
  }
  if (target.absMb !== undefined) {
    if (!Number.isFinite(measured.absMb)) return '-';
    checks.push(measured.absMb <= target.absMb);
  }
  if (target.growthPct !== undefined) {
    if (!Number.isFinite(measured.growthPct)) return '-';
    checks.push(measured.growthPct < target.growthPct);
  }
  if (checks.length === 0) return '-';
  return checks.every(Boolean) ? 'PASS' : 'FAIL';
}

/** The target as the table shows it, e.g. `<= 1.5x, < 10 ms`. */
export function describeTarget(target) {
  if (!target) return '';
  const parts = [];
  if (target.ratio) parts.push(`${target.ratio.op} ${target.ratio.value}x`);
  if (target.absMs !== undefined) parts.push(`< ${formatMs(target.absMs)}`);
  if (target.absMb !== undefined) parts.push(`<= ${target.absMb} MB`);
  if (target.growthPct !== undefined) parts.push(`< ${target.growthPct}% growth`);
  return parts.join(', ');
}

/** A duration in ms with a unit that keeps 3 significant digits: `1.23 us`, `45.6 ms`, `1.20 s`. */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  const size = Math.abs(ms);
  if (size >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  if (size >= 1) return `${ms.toPrecision(3)} ms`;
  if (size >= 0.001 || size === 0) return `${(ms * 1000).toPrecision(3)} us`;
  return `${(ms * 1e6).toPrecision(3)} ns`;
}

/** A ratio for the table: `1.23x`. */
export function formatRatio(r) {
  return Number.isFinite(r) ? `${r < 10 ? r.toFixed(2) : r < 100 ? r.toFixed(1) : r.toFixed(0)}x` : 'n/a';
}
