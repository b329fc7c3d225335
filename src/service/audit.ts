import { AppError, isAppError } from '../errors.js';
import type { ExecutionQuery, ExecutionRecord } from '../model.js';
import { formatTraceback } from '../traceback/format.js';
import type { ServiceDeps } from './deps.js';
import { failureOfRecord } from './records.js';
import { parseSince, SINCE_FORMS } from './since.js';
import { parseArgumentsText, type LastErrorView } from './views.js';

export function getLastError(deps: ServiceDeps, persona: string, toolName?: string): LastErrorView | null {
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
  const row = deps.store.executions.lastFailure(persona, toolName);
  return row ? lastErrorView(row) : null;
}

export function lastErrorView(row: ExecutionRecord): LastErrorView {
  const failure = failureOfRecord(row);
  return {
    executionId: row.id,
    tool: row.toolName,
    version: row.version,
    persona: row.persona,
    timestamp: row.timestamp,
    arguments: parseArgumentsText(row.argumentsJson),
    status: 'FAILURE',
    operation: row.operation,
    error: { kind: failure.kind, name: failure.name, message: failure.message, frames: [...failure.frames], codeFrame: failure.codeFrame, rawStack: failure.rawStack },
    console: row.consoleOutput,
    text: formatTraceback({
      tool: row.toolName,
      version: row.version ?? 0,
      persona: row.persona,
      timestamp: row.timestamp,
      argumentsJson: row.argumentsJson,
      failure: { ...failure, frames: [...failure.frames] },
    }),
  };
}

export function listExecutions(deps: ServiceDeps, persona: string, query: ExecutionQuery = {}): ExecutionRecord[] {
  if (query.since === undefined) return deps.store.executions.list(persona, query);
  const since = typeof query.since === 'string' ? parseSince(query.since, deps.now().getTime()) : null;
  if (since === null) {
    throw new AppError('INVALID_ARGUMENT', `since must be ${SINCE_FORMS}; got ${JSON.stringify(String(query.since).slice(0, 100))}.`);
  }
  return deps.store.executions.list(persona, { ...query, since });
}

export function getExecution(deps: ServiceDeps, persona: string, id: string): ExecutionRecord {
  const row = typeof id === 'string' ? deps.store.executions.get(persona, id) : undefined;
  if (!row) throw new AppError('EXECUTION_NOT_FOUND', `Execution ${JSON.stringify(String(id).slice(0, 80))} not found. Call \`list_executions\` to see recent ids.`);
  return row;
}
