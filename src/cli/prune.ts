/**
 * `chameleon logs prune`: the retention the server applies in the background (config
 * `retention`), run by hand, with `--dry-run` to see what it would delete. Declared here, run
 * by prune-run.ts.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

import type { Runtime } from './runtime.js';
import { addDbOption } from './store-access.js';

export interface PruneOptions {
  db?: string;
  config?: string;
  maxAgeDays?: number;
  maxRowsPerPersona?: number;
  dryRun?: boolean;
}

export function registerPrune(logs: Command, runtime: Runtime, done: (code: number) => void): void {
  const command = logs
    .command('prune')
    .description(
      "Delete old rows of the execution log, for every persona: older than --max-age-days, or beyond each persona's newest --max-rows-per-persona. " +
        "Tool versions are never deleted, and each tool's newest failure is kept so get_last_error still answers. Safe next to a running server.",
    )
    .option('--max-age-days <days>', 'delete rows that started more than this many days ago', parsePositive)
    .option('--max-rows-per-persona <n>', 'keep only the newest this many rows of each persona', parseCount)
    .option('--dry-run', 'only say how many rows would go, per persona')
    .addOption(new Option('--config <file>', "the server's JSON config: its `retention` applies where no option above is given").env('CHAMELEON_CONFIG'));
  addDbOption(command).action(async (opts: PruneOptions, self: Command) => {
    // `chameleon logs` has --db too, and commander hands an option after the subcommand's name
    // to the parent that declares it as well: either may hold it.
    const db = opts.db ?? self.parent?.opts<{ db?: string }>().db;
    const { prune } = await import('./prune-run.js');
    done(await prune({ ...opts, ...(db === undefined ? {} : { db }) }, runtime));
  });
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('use a number of days above 0, such as 30 or 0.5.');
  return n;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('use a whole number of rows from 1 up.');
  return n;
}
