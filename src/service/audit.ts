import { AppError, isAppError } from '../errors.js';
import type { ExecutionQuery, ExecutionRecord, ToolLimits } from '../model.js';
import { tailText } from '../traceback/display-text.js';
import { formatTraceback } from '../traceback/format.js';
import { calleeChain } from '../traceback/format-callees.js';
import { adviceFor } from './advice.js';
import { checkerWarningFor, checkerWarningText } from './checker-warning.js';
import type { StoreContract } from '../store/contract.js';
import type { ServiceDeps } from './deps.js';
import { occurrencesOf, occurrencesText } from './failure-groups.js';
import { failureOfRecord } from './records.js';
import { parseSince, SINCE_FORMS } from './since.js';
import { effectiveLimits } from './sandbox-call.js';
import { parseArgumentsText, type LastErrorView, type SinceFailure } from './views.js';

export async function getLastError(deps: ServiceDeps, persona: string, toolName?: string): Promise<LastErrorView | null> {
  // The log is the answer, unless it cannot be written: then the latest failures are the
  // calls it could not record, and "nothing failed" would be a lie (issue 12, item 8).
  const failing = deps.log.failing();
  if (failing) {
    const why = isAppError(failing.error) ? failing.error.message : String(failing.error);
    throw new AppError(
      'STORE_FAILURE',
      // Which calls were lost is said only to their own persona: the store is shared, the log is not.
      `The execution log cannot be written: calls since ${failing.since} were answered with a failure and not recorded${failing.persona === persona ? `, the last of \`${failing.lastTool}\`` : ''}. ${why} ` +
        'Until the log can be written again, every call fails this way; this is the server\'s fault, not your tool\'s.',
      { cause: failing.error },
    );
  }
  const row = await deps.store.executions.lastFailure(persona, toolName);
  return row ? lastErrorView(deps, row) : null;
}

/** Console output quoted in the text, from its end: the lines right before the failure. */
const MAX_CONSOLE_IN_TEXT = 4_000;
/** Successes counted for "has succeeded N times since": enough to say "many" (~1.5 ms of index walk). */
const MAX_SUCCESSES_COUNTED = 1_000;

export async function lastErrorView(deps: ServiceDeps, row: ExecutionRecord): Promise<LastErrorView> {
  const failure = failureOfRecord(row);
  const sinceFailure = await whatHappenedSince(deps, row);
  const advice = adviceFor(failure.kind, { tool: row.toolName, operation: row.operation, limits: await limitsOf(deps, row), maxima: deps.config.limits, errorName: failure.name, callees: calleeChain(failure) });
  const traceback = formatTraceback({
    tool: row.toolName,
    version: row.version,
    operation: row.operation,
    persona: row.persona,
    timestamp: row.timestamp,
    argumentsJson: row.argumentsJson,
    failure: { ...failure, frames: [...failure.frames] },
  });
  // A call's failure on a line the type checker warned about when the version was saved.
  const checkerWarning = row.operation === 'call' ? await checkerWarningFor(deps, row.persona, failure.frames) : null;
  // Guest-written console text goes last, so that it cannot pose as the lines written here.
  const occurrences = await occurrencesOf(deps.store, row);
  const text = [traceback, '', ...(checkerWarning === null ? [] : [checkerWarningText(checkerWarning)]), ...(occurrences === null ? [] : [occurrencesText(occurrences)]), ...sinceText(row, sinceFailure), `What to do: ${advice}`];
  if (row.consoleOutput !== '') text.push('', `Console output:\n${tailText(row.consoleOutput, MAX_CONSOLE_IN_TEXT)}`);
  return {
    executionId: row.id,
    tool: row.toolName,
    version: row.version,
    persona: row.persona,
    timestamp: row.timestamp,
    arguments: parseArgumentsText(row.argumentsJson),
    status: 'FAILURE',
    operation: row.operation,
    error: { ...row.errorFacts, kind: failure.kind, name: failure.name, message: failure.message, frames: [...failure.frames], codeFrame: failure.codeFrame, rawStack: failure.rawStack },
    console: row.consoleOutput,
    sinceFailure,
    occurrences,
    ...(checkerWarning === null ? {} : { checkerWarning }),
    advice,
    text: text.join('\n'),
  };
}

/**
 * Whether the failure is still news: an agent that fixed the tool and called it successfully
 * should not be sent to fix it again by the failure it already fixed. Newer means a higher
 * version than the one that failed; for refused code (no version), one saved after it.
 */
async function whatHappenedSince(deps: ServiceDeps, row: ExecutionRecord): Promise<SinceFailure> {
  const tool = await deps.store.tools.get(row.persona, row.toolName);
  const activeVersion = tool?.activeVersion ?? null;
  let minVersion: number | null = row.version === null ? null : row.version + 1;
  if (minVersion === null && tool !== undefined) {
    const savedAfter = (await deps.store.tools.listVersions(row.persona, row.toolName)).filter((v) => v.createdAt > row.timestamp);
    minVersion = savedAfter.length === 0 ? null : Math.min(...savedAfter.map((v) => v.version));
  }
  if (minVersion === null) return { activeVersion, newerSuccesses: [], countsCapped: false };
  const { versions, capped } = await deps.store.executions.successesSince(row.persona, row.toolName, row.timestamp, minVersion, MAX_SUCCESSES_COUNTED);
  return { activeVersion, newerSuccesses: versions, countsCapped: capped };
}

function sinceText(row: ExecutionRecord, since: SinceFailure): string[] {
  const atLeast = since.countsCapped ? 'at least ' : '';
  const succeeded = since.newerSuccesses.map((v) => `v${v.version} has succeeded ${atLeast}${v.count === 1 ? 'once' : `${v.count} times`} (last at ${v.lastAt})`);
  if (succeeded.length > 0) {
    const now = since.activeVersion === null ? 'The tool has been deleted since.' : `Version ${since.activeVersion} is active.`;
    return [`Since this failure: ${succeeded.join('; ')}. ${now}`];
  }
  if (since.activeVersion === null) return ['Since this failure: the tool has been deleted.'];
  if (row.version !== null && since.activeVersion !== row.version) {
    return [`Since this failure: version ${since.activeVersion} is active, and no newer version than v${row.version} has succeeded yet.`];
  }
  return [];
}

/** The limits the failed call ran with, for the advice; null when its version cannot be read. */
async function limitsOf(deps: ServiceDeps, row: ExecutionRecord): Promise<ToolLimits | null> {
  if (row.version === null) return null;
  try {
    return effectiveLimits((await deps.store.tools.getVersion(row.persona, row.toolName, row.version)).limits, deps.config.limits);
  } catch {
    return null; // a damaged version: the advice names no figure rather than fail get_last_error
  }
}

export async function listExecutions(deps: ServiceDeps, persona: string, query: ExecutionQuery = {}): Promise<ExecutionRecord[]> {
  if (query.since === undefined) return await deps.store.executions.list(persona, query);
  const since = typeof query.since === 'string' ? parseSince(query.since, deps.now().getTime()) : null;
  if (since === null) {
    throw new AppError('INVALID_ARGUMENT', `since must be ${SINCE_FORMS}; got ${JSON.stringify(String(query.since).slice(0, 100))}.`);
  }
  return await deps.store.executions.list(persona, { ...query, since });
}

/** The shortest start of an id looked up as a prefix: `ex_` and one character. */
export const MIN_ID_PREFIX = 4;
/** Ambiguous prefixes list this many candidates (one more is read, to know there are more). */
const MAX_CANDIDATES = 5;

export type ExecutionLookup = { row: ExecutionRecord } | { candidates: ExecutionRecord[]; more: boolean } | { none: true };

/**
 * An execution by its id or by a unique start of one: the CLI's table shows ids cut to
 * `ex_1a2b3c4d`, and people (and agents reading it) copy that. Shared by get_execution and
 * `chameleon logs --id`, which word the outcome each for their reader.
 */
export async function lookupExecution(executions: Pick<StoreContract['executions'], 'get' | 'withIdPrefix'>, persona: string, id: string): Promise<ExecutionLookup> {
  const exact = await executions.get(persona, id);
  if (exact) return { row: exact };
  if (id.length < MIN_ID_PREFIX) return { none: true };
  const rows = await executions.withIdPrefix(persona, id, MAX_CANDIDATES + 1);
  if (rows.length === 1) return { row: rows[0]! };
  if (rows.length === 0) return { none: true };
  return { candidates: rows.slice(0, MAX_CANDIDATES), more: rows.length > MAX_CANDIDATES };
}

export async function getExecution(deps: ServiceDeps, persona: string, id: string): Promise<ExecutionRecord> {
  const quoted = JSON.stringify(String(id).slice(0, 80));
  const found = typeof id === 'string' ? await lookupExecution(deps.store.executions, persona, id) : { none: true as const };
  if ('row' in found) return found.row;
  if ('candidates' in found) {
    const listed = found.candidates.map((r) => `${r.id} (${r.toolName}${r.version === null ? '' : `@${r.version}`}, ${r.status}, ${r.timestamp})`);
    throw new AppError(
      'INVALID_ARGUMENT',
      `The id ${quoted} is the start of ${found.more ? 'more than ' : ''}${found.candidates.length} executions: ${listed.join('; ')}${found.more ? '; …' : ''}. Give more of the id, or the whole of one of these.`,
    );
  }
  throw new AppError('EXECUTION_NOT_FOUND', `Execution ${quoted} not found. Call \`list_executions\` to see recent ids.`);
}
