/**
 * `chameleon logs`: the execution log as a table, one execution in full with `--id`,
 * `--follow` to keep printing new rows until Ctrl-C, and `--groups` for failures grouped by
 * fingerprint.
 *
 * Wiring (src/cli.ts): `registerLogs(program, runtime, (code) => (exitCode = code));`
 *
 * This module only declares the command and parses its options; the work is in logs-run.ts,
 * loaded when the command runs, so that other commands do not pay for importing it.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

import type { ExecutionStatus } from '../model.js';
import { parseSince as parseSinceSpec, SINCE_FORMS } from '../service/since.js';
import { registerPrune } from './prune.js';
import type { Runtime } from './runtime.js';
import { addStoreOptions, type StoreOptions } from './store-access.js';

export interface LogsOptions extends StoreOptions {
  tool?: string;
  status?: ExecutionStatus;
  since?: string;
  limit: number;
  follow?: boolean;
  id?: string;
  nested?: boolean;
  groups?: boolean;
  interval: number;
}

export function registerLogs(program: Command, runtime: Runtime, done: (code: number) => void): void {
  const command = program
    .command('logs')
    .description('Show the execution log: one line per call, newest at the bottom; --id shows one execution in full.')
    .option('--tool <name>', 'only executions of this tool')
    .addOption(new Option('--status <status>', 'only SUCCESS or FAILURE rows').argParser(parseStatus))
    .option('--since <time>', 'only rows at or after this time: ISO 8601 (2026-11-30T12:00:00Z) or an age such as 30s, 15m, 2h, 7d', parseSince)
    .option('--limit <n>', 'show at most this many rows (1-1000)', parseLimit, 20)
    .option('-f, --follow', 'keep printing new executions until Ctrl-C')
    .option('--interval <ms>', 'with --follow: how often to look for new rows', parseInterval, 1000)
    .option('--nested', 'also the calls tools made of other tools (ctx.tools), marked ↳; by default only the calls agents made')
    .option('--id <id>', 'show one execution in full, with the tree of calls it made (an id, or the start of one as shown in the table)')
    .option('--groups', 'the failures grouped by fingerprint (the same bug in any version): count, versions, first and last seen; --limit counts groups');
  addStoreOptions(command).action(async (opts: LogsOptions) => {
    const { logs } = await import('./logs-run.js');
    done(await logs(opts, runtime));
  });
  registerPrune(command, runtime, done);
}

export function parseStatus(value: string): ExecutionStatus {
  const upper = value.toUpperCase();
  if (upper !== 'SUCCESS' && upper !== 'FAILURE') throw new InvalidArgumentError('use SUCCESS or FAILURE.');
  return upper;
}

/** ISO 8601 as given (normalised), or an age (`15m`) turned into the instant that long ago. */
export function parseSince(value: string, _previous?: unknown, now: () => number = Date.now): string {
  const since = parseSinceSpec(value, now());
  if (since === null) throw new InvalidArgumentError(`use ${SINCE_FORMS}.`);
  return since;
}

export function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('use a whole number from 1 to 1000.');
  return n;
}

function parseInterval(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 50 || n > 60_000) throw new InvalidArgumentError('use a whole number of milliseconds from 50 to 60000.');
  return n;
}
