/**
 * The server's side of ctx.sql (issue 16): a code tool that declares `capabilities.sql:
 * ["shop"]` sends `{ datasource, query, params }` and gets the rows back, or an error to throw
 * at its own line. The datasource must be declared by the version and configured by the host;
 * the query runs with what is left of the call's time and the same caps as a SQL tool's.
 */
import type { Effect } from '../model.js';
import type { ServiceDeps } from './deps.js';
import { runQuery } from './sql-calls.js';
import { whereInQuery, withCode } from './sql-failures.js';

export interface SqlHostAnswer {
  ok: boolean;
  body: string;
}

const MAX_QUERY_CHARS = 100_000;

export async function sqlHostRequest(
  deps: Pick<ServiceDeps, 'config' | 'datasources'>,
  call: { toolName: string; declared: readonly string[] },
  body: string,
  timeLeftMs: number,
  signal: AbortSignal,
): Promise<{ answer: SqlHostAnswer; effect: Effect | null }> {
  let request: { datasource?: unknown; query?: unknown; params?: unknown };
  try {
    request = JSON.parse(body) as typeof request;
  } catch {
    return { answer: refusal('TypeError', 'ctx.sql: the request could not be read.'), effect: null };
  }
  const { datasource, query, params } = request;
  if (typeof datasource !== 'string' || typeof query !== 'string' || params === null || typeof params !== 'object' || Array.isArray(params)) {
    return { answer: refusal('TypeError', 'ctx.sql.<name>(query, params) takes the query as a string and its parameters as an object: { min_total: 10 } for :min_total.'), effect: null };
  }
  const refused = (why: string, error: { name: string; message: string }) => ({ answer: refusal(error.name, error.message), effect: { op: 'sql.query' as const, datasource, rows: 0, ms: 0, refused: why } });
  if (!call.declared.includes(datasource)) {
    const known = deps.datasources.names();
    return refused('not declared', {
      name: 'CapabilityError',
      message: `ctx.sql.${datasource} is not available to tool ${call.toolName}: add "${datasource}" to its capabilities.sql with update_tool (${known.length === 0 ? 'this server has no datasources: the host must configure one under datasources in its config' : `this server has: ${known.join(', ')}`}).`,
    });
  }
  const source = deps.datasources.get(datasource);
  if (source === undefined) {
    return refused('not configured', { name: 'CapabilityError', message: `ctx.sql.${datasource}: this server no longer has that datasource; the host must configure it under datasources in its config.` });
  }
  if (query.length > MAX_QUERY_CHARS) return refused('too large', { name: 'RangeError', message: `ctx.sql.${datasource}: the query is ${query.length} characters; the most is ${MAX_QUERY_CHARS}.` });
  if (timeLeftMs <= 0) return refused('deadline', { name: 'TimeoutError', message: `ctx.sql.${datasource}: the call has no time left for a query.` });
  const run = await runQuery(deps, source, query, params as Record<string, unknown>, timeLeftMs, signal);
  if (run.ok) return { answer: { ok: true, body: JSON.stringify(run.value) }, effect: run.effect };
  const name = run.error.kind === 'timeout' ? 'TimeoutError' : run.error.kind === 'unavailable' ? 'DatasourceUnavailable' : 'SqlError';
  const message = `ctx.sql.${datasource}: ${run.error.code === 'SQL_TEXT' ? run.error.message : withCode(run.error)}${whereInQuery(query, run.error.offset)}`;
  return { answer: refusal(name, message), effect: run.effect };
}

function refusal(name: string, message: string): SqlHostAnswer {
  return { ok: false, body: JSON.stringify({ name, message }) };
}
