/** What `chameleon logs prune` does (declared in prune.ts). */
import { parseConfig } from '../config.js';
import { AppError } from '../errors.js';
import { pruneLog, retentionPolicy } from '../service/retention.js';
import { readConfigFile } from './config-file.js';
import type { PruneOptions } from './prune.js';
import type { Runtime } from './runtime.js';
import { withStore } from './store-access.js';

export async function prune(opts: PruneOptions, runtime: Runtime): Promise<number> {
  const config = parseConfig({ ...readConfigFile(opts.config), dbPath: opts.db ?? 'unused.db' });
  const policy = {
    ...retentionPolicy(config),
    ...(opts.maxAgeDays === undefined ? {} : { maxAgeDays: opts.maxAgeDays }),
    ...(opts.maxRowsPerPersona === undefined ? {} : { maxRowsPerPersona: opts.maxRowsPerPersona }),
  };
  if (policy.maxAgeDays === undefined && policy.maxRowsPerPersona === undefined) {
    throw new AppError('INVALID_ARGUMENT', 'Nothing to prune by: pass --max-age-days and/or --max-rows-per-persona, or --config with a `retention` section.');
  }
  const now = new Date();
  return withStore({ ...opts, persona: 'default' }, runtime, true, async ({ store }) => {
    // Where, as fit to print: a PostgreSQL URL without its password.
    const dbPath = store.location;
    const planned = await store.retention.plan(await store.retention.bounds(policy, now));
    const total = [...planned.values()].reduce((a, b) => a + b, 0);
    const perPersona = [...planned].map(([persona, rows]) => `${persona}: ${String(rows)}`).join(', ');
    if (opts.dryRun === true) {
      runtime.stdout.write(`Would delete ${String(total)} rows of the execution log in ${dbPath}${total > 0 ? ` (${perPersona})` : ''}. Nothing was deleted (--dry-run).\n`);
      return 0;
    }
    const deleted = await pruneLog(store, policy, { now, batchRows: config.retention.batchRows, lockWaitMs: config.store.lockWaitMs });
    runtime.stdout.write(`Deleted ${String(deleted)} rows of the execution log in ${dbPath}${deleted > 0 ? ` (${perPersona})` : ''}.\n`);
    return 0;
  }, config);
}
