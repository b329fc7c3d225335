/**
 * SQL errors as failures, located in the statement as the agent wrote it: a frame at the line
 * and column (1-based, like every frame) in `<tool>.sql`, and a code frame with a caret. The
 * engine's code is kept in the message (SQLITE_ERROR, a PostgreSQL SQLSTATE).
 */
import { positionAt, type SqlError, type TextProblem } from '../datasources/index.js';
import type { Failure, FailureKind, Frame } from '../model.js';
import { codeFrame } from '../traceback/code-frame.js';

/** The frame's function name: a statement has no function. */
export const QUERY_FRAME = '<query>';

export function sqlFileName(tool: string): string {
  return `${tool}.sql`;
}

/** A failure at `offset` in `text` (or nowhere, when the engine did not say). */
export function locatedSqlFailure(kind: FailureKind, name: string, message: string, text: string, offset: number | undefined, at: { tool: string; version: number }): Failure {
  if (offset === undefined) return { kind, name, message, frames: [], rawStack: null, mapped: true, codeFrame: null };
  const { line, column } = positionAt(text, offset);
  const frame: Frame = { function: QUERY_FRAME, tool: at.tool, version: at.version, file: sqlFileName(at.tool), line, column };
  return { kind, name, message, frames: [frame], rawStack: null, mapped: true, codeFrame: codeFrame(text, line, column) || null };
}

/** An engine's error in a SQL tool's statement. */
export function sqlErrorFailure(error: SqlError, text: string, at: { tool: string; version: number; operation: 'create' | 'update' | 'call' }): Failure {
  const kind: FailureKind = error.kind === 'timeout' ? 'timeout' : at.operation === 'call' ? 'exception' : error.kind === 'unavailable' ? 'exception' : 'compile';
  const name = error.kind === 'timeout' ? 'TimeoutError' : error.kind === 'unavailable' ? 'DatasourceUnavailable' : 'SqlError';
  return locatedSqlFailure(kind, name, withCode(error), text, error.offset, at);
}

/** A problem found in the text before any engine saw it: always the author's to fix. */
export function textProblemFailure(problem: TextProblem, text: string, at: { tool: string; version: number }): Failure {
  return locatedSqlFailure('compile', 'SqlError', problem.message, text, problem.offset, at);
}

/** The engine's message with its code, so the agent can look it up. */
export function withCode(error: SqlError): string {
  if (error.kind === 'timeout' || error.code === 'NOT_READ_ONLY' || error.code === 'PRIVILEGED_ROLE') return error.message;
  return /^[0-9A-Z]{5}$/.test(error.code) ? `${error.message} (SQLSTATE ${error.code})` : `${error.message} (${error.code})`;
}

/**
 * Where in a query its error is, for a message thrown into a code tool (ctx.sql): the line
 * and column in the query's own text and its code frame. Empty when the engine did not say.
 */
export function whereInQuery(text: string, offset: number | undefined): string {
  if (offset === undefined) return '';
  const { line, column } = positionAt(text, offset);
  const frame = codeFrame(text, line, column);
  return `, at line ${line}, column ${column} of the query${frame ? `:\n${frame}` : ''}`;
}
