/**
 * The execution log's retention, run by the server in the background (config `retention`) and
 * by `chameleon logs prune`. Each batch is one short transaction (store/retention.ts); between
 * batches the event loop serves calls, and a lock held by another process is waited for on
 * timers like any other write.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { StoreContract } from '../store/contract.js';
import { whenUnlocked, type RetentionPolicy } from '../store/index.js';

export function retentionPolicy(config: Pick<Config, 'retention'>): RetentionPolicy | null {
  const { maxAgeDays, maxRowsPerPersona } = config.retention;
  if (maxAgeDays === undefined && maxRowsPerPersona === undefined) return null;
  return { ...(maxAgeDays === undefined ? {} : { maxAgeDays }), ...(maxRowsPerPersona === undefined ? {} : { maxRowsPerPersona }) };
}

/** Deletes, batch by batch, every row `policy` no longer keeps (as of `now`). Resolves with how many. */
export async function pruneLog(
  store: Pick<StoreContract, 'retention'>,
  policy: RetentionPolicy,
  options: { now: Date; batchRows: number; lockWaitMs: number; stopped?: () => boolean },
): Promise<number> {
  const bounds = await store.retention.bounds(policy, options.now);
  let total = 0;
  for (;;) {
    if (options.stopped?.() === true) return total;
    const deleted = await whenUnlocked(() => store.retention.pruneBatch(bounds, options.batchRows), options.lockWaitMs);
    total += deleted;
    if (deleted < options.batchRows) return total;
    await nextTurn();
  }
}

/** Prunes at start and then every `retention.intervalMs`, until stop(); nothing when no policy is set. */
export function startRetention(store: Pick<StoreContract, 'retention'>, config: Pick<Config, 'retention' | 'store'>, logger: Logger): { stop(): Promise<void> } {
  const policy = retentionPolicy(config);
  if (policy === null) return { stop: () => Promise.resolve() };
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const pass = (): void => {
    running = pruneLog(store, policy, { now: new Date(), batchRows: config.retention.batchRows, lockWaitMs: config.store.lockWaitMs, stopped: () => stopped })
      .then((rows) => {
        if (rows > 0) logger.info(`retention: pruned ${String(rows)} rows of the execution log`, { ...policy });
      })
      .catch((error: unknown) => logger.warn('retention: pruning the execution log failed; it is tried again at the next interval', { error: String(error) }));
  };
  const first = setTimeout(pass, 0);
  const timer = setInterval(() => void running.then(pass), config.retention.intervalMs);
  first.unref();
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      return running;
    },
  };
}
