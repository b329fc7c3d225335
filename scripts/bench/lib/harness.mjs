// The round-robin runner. A group is one baseline and the variants compared with it; every
// round runs each of them once, for one sample of `batch` operations, in an order rotated by
// the round number. Each variant's figure is then the distribution of its per-round ratio to
// the baseline of that same round, so load that comes and goes hits both sides of a ratio.
import { batchFor, evaluateTarget, pairedRatios, roundOrder, summarize } from './stats.mjs';

/**
 * @typedef {object} Variant
 * @property {string} id
 * @property {string} label
 * @property {(batch: number) => unknown} run  Runs `batch` operations. May return (or resolve to)
 *   a number: the elapsed ms of the batch as the variant measured it itself (for samples with
 *   untimed setup or teardown, such as spawning and killing a server). Otherwise the harness
 *   times the call.
 * @property {number} [batch]  A fixed batch size; calibrated from `sampleMs` when absent.
 * @property {number} [maxBatch]
 * @property {object} [target]  See evaluateTarget in stats.mjs.
 * @property {boolean} [part]  A component of another figure (context, not a figure itself).
 *
 * @typedef {object} Group
 * @property {string} id
 * @property {string} title
 * @property {'time' | 'throughput'} [metric]
 * @property {Variant} baseline
 * @property {Variant[]} variants
 * @property {number} rounds  Rounds to record at most.
 * @property {number} [minRounds]  Rounds to record even past `maxMs`.
 * @property {number} [warmupRounds]  Rounds run and thrown away after calibration.
 * @property {number} [sampleMs]  Target length of one sample when calibrating.
 * @property {number} [maxMs]  Time budget of the recorded rounds.
 * @property {string} [note]
 */

/**
 * Runs one group and returns its figures. Never throws for a failing variant: a failed sample
 * is left out (no ratio for that round) and the error is reported; after `maxErrors` (3)
 * failures, or a failure while calibrating, the variant is dropped from the rounds. Throws
 * only if the baseline fails.
 *
 * @param {Group} group
 * @param {{ clock?: () => number, log?: (line: string) => void }} [options]
 */
export async function runGroup(group, options = {}) {
  const clock = options.clock ?? (() => performance.now());
  const log = options.log ?? (() => {});
  const metric = group.metric ?? 'time';
  const sampleMs = group.sampleMs ?? 10;
  const all = [group.baseline, ...group.variants];
  const errors = new Map();
  const failures = new Map();
  const maxErrors = group.maxErrors ?? 3;
  const batches = new Map();

  const sample = async (variant, batch) => {
    const t0 = clock();
    const self = await variant.run(batch);
    const elapsed = typeof self === 'number' ? self : clock() - t0;
    return elapsed / batch;
  };

  // Calibrate each: grow the batch until a sample lasts a quarter of sampleMs, then size it.
  for (const variant of all) {
    try {
      batches.set(variant.id, variant.batch ?? (await calibrate(variant, sample, sampleMs)));
    } catch (err) {
      if (variant === group.baseline) throw withContext(err, `${group.id}: baseline ${variant.id} failed`);
      errors.set(variant.id, errorText(err));
      failures.set(variant.id, maxErrors);
      log(`  ${variant.id}: failed while calibrating: ${errorText(err)}`);
    }
  }

  const live = () => all.filter((v) => (failures.get(v.id) ?? 0) < maxErrors);
  const perOp = new Map(all.map((v) => [v.id, []]));
  const runRound = async (round, record) => {
    const ids = live().map((v) => v.id);
    const byId = new Map(all.map((v) => [v.id, v]));
    for (const id of roundOrder(ids, round)) {
      const variant = byId.get(id);
      try {
        const ms = await sample(variant, batches.get(id));
        if (record) perOp.get(id)[record.index] = ms;
      } catch (err) {
        if (variant === group.baseline) throw withContext(err, `${group.id}: baseline ${id} failed`);
        errors.set(id, errorText(err));
        failures.set(id, (failures.get(id) ?? 0) + 1);
        log(`  ${id}: failed in round ${round}: ${errorText(err)}`);
      }
    }
  };

  for (let w = 0; w < (group.warmupRounds ?? 2); w++) await runRound(w, null);

  const started = clock();
  let recorded = 0;
  while (recorded < group.rounds && (recorded < (group.minRounds ?? 3) || clock() - started < (group.maxMs ?? Infinity))) {
    await runRound(recorded, { index: recorded });
    recorded++;
  }
  const elapsedMs = clock() - started;

  // Pad every series to `recorded` so ratios pair round with round (a hole is NaN: no ratio).
  const series = (id) => Array.from({ length: recorded }, (_, i) => perOp.get(id)[i] ?? Number.NaN);
  const baseSeries = series(group.baseline.id);
  const describe = (variant) => {
    const own = series(variant.id);
    const abs = summarize(own);
    const out = { id: variant.id, label: variant.label, batch: batches.get(variant.id) ?? null, absMs: abs };
    if (variant.part) out.part = true;
    if (errors.has(variant.id)) {
      out.error = errors.get(variant.id);
      out.failedSamples = failures.get(variant.id);
    }
    return { out, own, abs };
  };

  const baseline = describe(group.baseline).out;
  baseline.perRoundMs = baseSeries;
  const variants = group.variants.map((variant) => {
    const { out, own, abs } = describe(variant);
    const ratio = summarize(pairedRatios(own, baseSeries, metric));
    out.ratio = ratio;
    out.perRoundMs = own;
    out.target = variant.target ?? null;
    out.status = out.error && ratio.n === 0 ? 'ERROR' : evaluateTarget(variant.target, { ratio: ratio.median, absMs: abs.median });
    return out;
  });
  return { id: group.id, title: group.title, metric, rounds: recorded, elapsedMs, note: group.note ?? null, baseline, variants };
}

/**
 * Grows the batch 4x at a time until a sample lasts a quarter of sampleMs, then sizes it from
 * the last sample. The first sample never decides: it runs cold code (JIT, caches) and would
 * make the batch too small.
 */
async function calibrate(variant, sample, sampleMs) {
  const maxBatch = variant.maxBatch ?? 100_000;
  let batch = 1;
  for (let n = 0; ; n++) {
    const perOpMs = await sample(variant, batch);
    const longEnough = perOpMs * batch >= sampleMs / 4 || batch >= maxBatch;
    if (longEnough && n > 0) return batchFor(perOpMs, sampleMs, maxBatch);
    if (!longEnough) batch = Math.min(maxBatch, batch * 4);
  }
}

function errorText(err) {
  return err instanceof Error ? err.message : String(err);
}

function withContext(err, what) {
  return new Error(`${what}: ${errorText(err)}`, { cause: err });
}
