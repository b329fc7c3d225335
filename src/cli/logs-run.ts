/**
 * What `chameleon logs` does (declared in logs.ts, loaded when it runs).
 *
 * Reads the Store directly (see store-access.ts): no sandbox processes, safe next to a live
 * server. Every guest-controlled string is made terminal-safe before it is printed.
 */
import { AppError } from '../errors.js';
import type { ExecutionQuery, ExecutionRecord } from '../model.js';
import { lookupExecution } from '../service/audit.js';
import { callsBelow } from '../service/call-trace.js';
import type { StoreContract } from '../store/contract.js';
import { sourcesOfFrames } from '../service/records.js';
import { versionOrNone } from '../service/store-reads.js';
import { calleeChain } from '../traceback/format-callees.js';
import { failureGroups } from '../service/failure-groups.js';
import { renderGroupTable } from './group-view.js';
import { renderExecution, renderLogLines, renderLogTable, shortId } from './log-view.js';
import type { LogsOptions } from './logs.js';
import type { Runtime } from './runtime.js';
import { withStore } from './store-access.js';
import { createPalette, terminalColumns, wantsColour, type Palette } from './table.js';
import { terminalSafe } from '../terminal-text.js';

/**
 * How far back each `--follow` poll looks. Rows carry the time their call *started* and are
 * written when it ends, so a slow call lands behind rows already shown; the window covers the
 * longest call a server can be configured to allow (600 s) with room to spare. Ids already
 * printed are remembered for the window, so nothing is printed twice.
 */
export const FOLLOW_WINDOW_MS = 15 * 60_000;

export async function logs(opts: LogsOptions, runtime: Runtime): Promise<number> {
  const palette = createPalette(wantsColour(runtime.stdout, runtime.env));
  const width = terminalColumns(runtime.stdout);
  const print = (text: string) => runtime.stdout.write(`${text}\n`);
  return withStore(opts, runtime, true, async ({ store, persona }) => {
    if (opts.id !== undefined) {
      const row = await findExecution(store, persona, opts.id);
      // The sources of the frames the traceback shows, the callees' too. A damaged or unknown
      // version has none: the traceback stands without it.
      const frames = [...(row.frames ?? []), ...calleeChain(row.errorFacts ?? {}).flatMap((level) => level.frames)];
      const sourceOf = await sourcesOfFrames(frames, async (tool, version) => (await versionOrNone(store.tools, persona, tool, version))?.source);
      print(renderExecution(row, palette, sourceOf, row.operation === 'call' ? await callsBelow(store.executions, persona, row) : undefined));
      return 0;
    }
    if (opts.groups === true) return printGroups(store, persona, opts, runtime, palette, width);
    const query: ExecutionQuery = {
      limit: opts.limit,
      ...(opts.nested === true ? { includeNested: true } : {}),
      ...(opts.tool === undefined ? {} : { toolName: opts.tool }),
      ...(opts.status === undefined ? {} : { status: opts.status }),
      ...(opts.since === undefined ? {} : { since: opts.since }),
    };
    // Following, every row already in the window counts as shown, not only the `--limit` newest
    // the table prints: else the first poll printed the rest of the window under them, the
    // whole history out of order. Read before the table, so a row written in between is in
    // the table rather than in neither.
    const before = opts.follow === true ? await store.executions.list(persona, followQuery(query, Date.now())) : [];
    const rows = await store.executions.list(persona, query);
    if (rows.length > 0) print(renderLogTable(rows, palette, width, opts.follow === true));
    else runtime.stderr.write(`No executions${describeFilter(opts)} for persona ${persona}${opts.follow ? '; waiting for new ones (Ctrl-C to stop)' : ''}.\n`);
    if (!opts.follow) return 0;
    await follow(store, persona, query, [...before, ...rows], opts.interval, runtime, (fresh, first) => {
      print(first ? renderLogTable(fresh, palette, width, true) : renderLogLines(fresh, palette, width));
    });
    return 0;
  });
}

/** `--groups`: the failures grouped by fingerprint, most recently seen at the bottom like the log. */
async function printGroups(store: StoreContract, persona: string, opts: LogsOptions, runtime: Runtime, palette: Palette, width: number | undefined): Promise<number> {
  const clash = opts.follow === true ? '--follow' : opts.id !== undefined ? '--id' : opts.status === 'SUCCESS' ? '--status SUCCESS' : null;
  if (clash !== null) throw new AppError('INVALID_ARGUMENT', `--groups groups failures and cannot be combined with ${clash}.`);
  const groups = await failureGroups(store, persona, {
    limit: opts.limit,
    ...(opts.tool === undefined ? {} : { toolName: opts.tool }),
    ...(opts.since === undefined ? {} : { since: opts.since }),
    ...(opts.nested === true ? { includeNested: true } : {}),
  });
  if (groups.length === 0) runtime.stderr.write(`No fingerprinted failures${describeFilter(opts)} for persona ${persona}.\n`);
  else runtime.stdout.write(`${renderGroupTable(groups, palette, width)}\n`);
  return 0;
}

/** Polls for rows not yet shown until a shutdown signal; `show` gets them newest first. */
async function follow(
  store: StoreContract,
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
  for (;;) {
    const wake = await Promise.race([stopped.then(() => 'stop' as const), sleep(intervalMs)]);
    if (wake === 'stop') return;
    const window = followQuery(query, Date.now());
    const rows = await store.executions.list(persona, window);
    const fresh = rows.filter((r) => !seen.has(r.id));
    for (const r of fresh) seen.set(r.id, Date.parse(r.timestamp));
    const from = Date.parse(window.since!);
    for (const [id, at] of seen) if (at < from) seen.delete(id);
    if (fresh.length > 0) {
      show(fresh, !headerShown);
      headerShown = true;
    }
  }
}

/** What one `--follow` poll reads: the user's filters, over the window, as many rows as allowed. */
function followQuery(query: ExecutionQuery, nowMs: number): ExecutionQuery {
  const userSince = query.since === undefined ? -Infinity : Date.parse(query.since);
  return { ...query, since: new Date(Math.max(userSince, nowMs - FOLLOW_WINDOW_MS)).toISOString(), limit: 1000 };
}

function sleep(ms: number): Promise<'tick'> {
  return new Promise((resolve) => setTimeout(() => resolve('tick'), ms));
}

/** By exact id, or by a unique start of one (as the table shows ids). */
export async function findExecution(store: Pick<StoreContract, 'executions'>, persona: string, id: string): Promise<ExecutionRecord> {
  const found = await lookupExecution(store.executions, persona, id);
  if ('row' in found) return found.row;
  const safeId = terminalSafe(id, { max: 80 });
  if ('candidates' in found) {
    const listed = found.candidates.map((r) => shortId(r.id)).join(', ');
    throw new AppError('INVALID_ARGUMENT', `The id ${safeId} is ambiguous: it starts ${found.more ? 'more than ' : ''}${found.candidates.length} executions (${listed}${found.more ? ', …' : ''}). Give more of it.`);
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
