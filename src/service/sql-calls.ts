/**
 * Running a query for a call: a SQL tool's own statement, or one a code tool sends through
 * ctx.sql. Both get the same limits (the call's time, config sql.maxRows and sql.maxBytes),
 * the same result shape and the same audit effect (`sql.query`: datasource, rows, ms; never
 * the text or the values).
 */
import { analyseStatement, type Datasource, type QueryResult, type SqlError } from '../datasources/index.js';
import type { Effect, Failure, VersionRecord } from '../model.js';
import type { ServiceDeps } from './deps.js';
import { sqlErrorFailure, textProblemFailure } from './sql-failures.js';

/** What a query returns to its caller: rows as objects keyed by column name. */
export interface SqlResultValue {
  columns: string[];
  rows: Array<Record<string, unknown>>;
  /** True when rows were cut at config sql.maxRows or sql.maxBytes (`note` says which). */
  truncated: boolean;
  note?: string;
}

export type QueryRun = { ok: true; value: SqlResultValue; effect: Effect } | { ok: false; error: SqlError; effect: Effect };

/** Runs `text` with `values` on `source`, bounded by `timeoutMs`. Never throws. */
export async function runQuery(
  deps: Pick<ServiceDeps, 'config'>,
  source: Datasource,
  text: string,
  values: Readonly<Record<string, unknown>>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<QueryRun> {
  const t0 = performance.now();
  const effect = (rows: number, extra: { truncated?: true; error?: string } = {}): Effect => ({ op: 'sql.query', datasource: source.name, rows, ms: Math.round(performance.now() - t0), ...extra });
  const statement = analyseStatement(text, source.dialect);
  if ('problem' in statement) {
    const error: SqlError = { kind: 'compile', code: 'SQL_TEXT', message: statement.problem.message, offset: statement.problem.offset };
    return { ok: false, error, effect: effect(0, { error: 'compile' }) };
  }
  const bound: Record<string, unknown> = {};
  for (const name of statement.names) bound[name] = Object.hasOwn(values, name) ? values[name] : null;
  const { maxRows } = deps.config.sql;
  // The rows go back as a call's result (a SQL tool's) or into one (ctx.sql): within its bound too.
  const maxBytes = Math.max(1024, Math.min(deps.config.sql.maxBytes, deps.config.payload.maxResultBytes - 1024));
  const outcome = await source.query(statement, bound, { timeoutMs, maxRows, maxBytes }, signal);
  if (!outcome.ok) return { ok: false, error: outcome.error, effect: effect(0, { error: outcome.error.kind }) };
  const value = resultValue(outcome.result, maxRows, maxBytes);
  if ('problem' in value) return { ok: false, error: { kind: 'exception', code: 'DUPLICATE_COLUMN', message: value.problem }, effect: effect(0, { error: 'exception' }) };
  return { ok: true, value, effect: effect(value.rows.length, value.truncated ? { truncated: true } : {}) };
}

function resultValue(result: QueryResult, maxRows: number, maxBytes: number): SqlResultValue | { problem: string } {
  const { columns } = result;
  if (new Set(columns).size !== columns.length) {
    const twice = columns.find((c, i) => columns.indexOf(c) !== i)!;
    return { problem: `The query returns two columns named ${JSON.stringify(twice)}: each row is an object keyed by column name, so give each column its own name with AS.` };
  }
  // Object.fromEntries defines each key as an own property, so a column named __proto__ is data.
  const rows = result.rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
  if (result.truncated === null) return { columns, rows, truncated: false };
  const note =
    result.truncated === 'rows'
      ? `Only the first ${maxRows} rows are here (config sql.maxRows): add a WHERE, LIMIT or OFFSET to get the rest.`
      : `The rows are cut at ${maxBytes} bytes of JSON (config sql.maxBytes, within payload.maxResultBytes): select fewer columns or rows.`;
  return { columns, rows, truncated: true, note };
}

/**
 * A SQL tool's call: its statement with the validated arguments bound by name (an argument
 * left out binds NULL). Failures are located in the statement.
 */
export async function callSqlTool(
  deps: Pick<ServiceDeps, 'config' | 'datasources'>,
  version: VersionRecord,
  args: Readonly<Record<string, unknown>>,
  timeoutMs: number,
): Promise<{ ok: true; result: SqlResultValue; resultJson: string; effect: Effect } | { ok: false; failure: Failure; effect?: Effect }> {
  const at = { tool: version.toolName, version: version.version };
  const source = version.datasource === undefined ? undefined : deps.datasources.get(version.datasource);
  if (source === undefined) {
    const message = `This SQL tool reads the datasource ${JSON.stringify(version.datasource ?? '')}, which this server no longer has (${deps.datasources.names().join(', ') || 'it has none'}): the host must configure it again, or the tool must be updated to another datasource.`;
    return { ok: false, failure: { kind: 'exception', name: 'DatasourceUnavailable', message, frames: [], rawStack: null, mapped: true, codeFrame: null } };
  }
  const run = await runQuery(deps, source, version.source, args, timeoutMs);
  if (!run.ok) {
    const failure = run.error.code === 'SQL_TEXT' ? textProblemFailure({ message: run.error.message, offset: run.error.offset ?? 0 }, version.source, at) : sqlErrorFailure(run.error, version.source, { ...at, operation: 'call' });
    return { ok: false, failure, effect: run.effect };
  }
  return { ok: true, result: run.value, resultJson: JSON.stringify(run.value), effect: run.effect };
}
