/**
 * `chameleon logs`: the execution log as a table, one execution in full with `--id`, and
 * `--follow` to keep printing new rows until Ctrl-C.
 *
 * Wiring (src/cli.ts): `registerLogs(program, runtime, (code) => (exitCode = code));`
 *
 * Reads the Store directly (see store-access.ts): no sandbox processes, safe next to a live
 * server. Every guest-controlled string is made terminal-safe before it is printed.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

import { AppError } from '../errors.js';
import type { ExecutionQuery, ExecutionRecord, ExecutionStatus } from '../model.js';
import type { Store } from '../store/index.js';
import { renderExecution, renderLogLines, renderLogTable, shortId } from './log-view.js';
import type { Runtime } from './runtime.js';
import { addStoreOptions, withStore, type StoreOptions } from './store-access.js';
import { createPalette, terminalColumns, wantsColour } from './table.js';
import { terminalSafe } from './terminal-text.js';

export interface LogsOptions extends StoreOptions {
  tool?: string;
  status?: ExecutionStatus;
  since?: string;
  limit: number;
  follow?: boolean;
  id?: string;
  interval: number;
}

/**
 * How far back each `--follow` poll looks. Rows carry the time their call *started* and are
 * written when it ends, so a slow call lands behind rows already shown; the window covers the
 * longest call a server can be configured to allow (600 s) with room to spare. Ids already
 * printed are remembered for the window, so nothing is printed twice.
 */
export const FOLLOW_WINDOW_MS = 15 * 60_000;

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
    .option('--id <id>', 'show one execution in full (an id, or the start of one as shown in the table)');
  addStoreOptions(command).action(async (opts: LogsOptions) => done(await logs(opts, runtime)));
}

export async function logs(opts: LogsOptions, runtime: Runtime): Promise<number> {
  const palette = createPalette(wantsColour(runtime.stdout, runtime.env));
  const width = terminalColumns(runtime.stdout);
  const print = (text: string) => runtime.stdout.write(`${text}\n`);
  return withStore(opts, runtime, true, async ({ store, persona }) => {
    if (opts.id !== undefined) {
      const sourceOf = (tool: string, version: number) => {
        try {
          return store.tools.getVersion(persona, tool, version).source;
        } catch {
          return undefined; // a damaged or unknown version: the traceback stands without it
        }
      };
      print(renderExecution(findExecution(store, persona, opts.id), palette, sourceOf));
      return 0;
    }
    const query: ExecutionQuery = {
      limit: opts.limit,
      ...(opts.tool === undefined ? {} : { toolName: opts.tool }),
      ...(opts.status === undefined ? {} : { status: opts.status }),
      ...(opts.since === undefined ? {} : { since: opts.since }),
    };
    const rows = store.executions.list(persona, query);
    if (rows.length > 0) print(renderLogTable(rows, palette, width, opts.follow === true));
    else runtime.stderr.write(`No executions${describeFilter(opts)} for persona ${persona}${opts.follow ? '; waiting for new ones (Ctrl-C to stop)' : ''}.\n`);
    if (!opts.follow) return 0;
    await follow(store, persona, query, rows, opts.interval, runtime, (fresh, first) => {
      print(first ? renderLogTable(fresh, palette, width, true) : renderLogLines(fresh, palette, width));
    });
    return 0;
  });
}

/** Polls for rows not yet shown until a shutdown signal; `show` gets them newest first. */
async function follow(
  store: Store,
  persona: string,
  query: ExecutionQuery,
  shown: readonly ExecutionRecord[],
  intervalMs: number,
  runtime: Runtime,
  show: (fresh: ExecutionRecord[], first: boolean) => void,
): Promise<void> {
  const seen = new Map<string, number>(shown.map((r) => [r.id, Date.parse(r.timestamp)]));
  let headerShown = shown.length > 0;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  runtime.onShutdownSignal(() => stop());
  const userSince = query.since === undefined ? -Infinity : Date.parse(query.since);
  for (;;) {
    const wake = await Promise.race([stopped.then(() => 'stop' as const), sleep(intervalMs)]);
    if (wake === 'stop') return;
    const from = Math.max(userSince, Date.now() - FOLLOW_WINDOW_MS);
    const rows = store.executions.list(persona, { ...query, since: new Date(from).toISOString(), limit: 1000 });
    const fresh = rows.filter((r) => !seen.has(r.id));
    for (const r of fresh) seen.set(r.id, Date.parse(r.timestamp));
    for (const [id, at] of seen) if (at < from) seen.delete(id);
    if (fresh.length > 0) {
      show(fresh, !headerShown);
      headerShown = true;
    }
  }
}

function sleep(ms: number): Promise<'tick'> {
  return new Promise((resolve) => setTimeout(() => resolve('tick'), ms));
}

/** By exact id, or by a prefix of one among the newest 1,000 rows (as the table shows ids). */
export function findExecution(store: Store, persona: string, id: string): ExecutionRecord {
  const exact = store.executions.get(persona, id);
  if (exact) return exact;
  const candidates = id.length >= 4 ? store.executions.list(persona, { limit: 1000 }).filter((r) => r.id.startsWith(id)) : [];
  if (candidates.length === 1) return candidates[0]!;
  const safeId = terminalSafe(id, { max: 80 });
  if (candidates.length > 1) {
    throw new AppError('INVALID_ARGUMENT', `The id ${safeId} is ambiguous: it starts ${candidates.length} executions (${candidates.slice(0, 5).map((r) => shortId(r.id)).join(', ')}…). Give more of it.`);
  }
  throw new AppError('EXECUTION_NOT_FOUND', `No execution ${safeId} for persona ${persona}. Run \`chameleon logs\` to see recent ids.`);
}

function describeFilter(opts: LogsOptions): string {
  const parts = [
    opts.tool === undefined ? null : `of ${terminalSafe(opts.tool, { max: 80 })}`,
    opts.status === undefined ? null : `with status ${opts.status}`,
    opts.since === undefined ? null : `since ${opts.since}`,
  ].filter((p) => p !== null);
  return parts.length === 0 ? '' : ` ${parts.join(' ')}`;
}

export function parseStatus(value: string): ExecutionStatus {
  const upper = value.toUpperCase();
  if (upper !== 'SUCCESS' && upper !== 'FAILURE') throw new InvalidArgumentError('use SUCCESS or FAILURE.');
  return upper;
}

const AGE_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** ISO 8601 as given (normalised), or an age (`15m`) turned into the instant that long ago. */
export function parseSince(value: string, _previous?: unknown, now: () => number = Date.now): string {
  const age = /^(\d+)\s*([smhd])$/i.exec(value.trim());
  if (age) return new Date(now() - Number(age[1]) * AGE_UNITS[age[2]!.toLowerCase()]!).toISOString();
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('use an ISO 8601 time such as 2026-11-30T12:00:00Z, or an age such as 30s, 15m, 2h, 7d.');
  return new Date(ms).toISOString();
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
