/*
 * `ctx.sql`: the datasources a tool declares (`capabilities.sql`), each a function
 * `ctx.sql.<name>(query, params)` that runs one read-only query with named parameters
 * (`:min_total`, bound from `params.min_total`, never spliced into the text) and resolves with
 * `{ columns, rows, truncated }`, rows as objects keyed by column name. The server runs it
 * (src/service/sql-host.ts); an error is thrown at the line that called, its message saying
 * where in the query it is.
 */
import { freeze, parse, stringify } from '../prelude/intrinsics.js';
import { attempt, hostRequest } from './host-requests.js';

const TypeErrorCtor = TypeError;

function query(datasource: string, text: unknown, params: unknown): Promise<unknown> {
  return attempt(() => {
    if (typeof text !== 'string') throw new TypeErrorCtor(`ctx.sql.${datasource}(query, params): the query must be a string of SQL, e.g. "SELECT * FROM orders WHERE total > :min_total".`);
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw new TypeErrorCtor(`ctx.sql.${datasource}(query, params): params must be an object of the query's named parameters, e.g. { min_total: 10 } for :min_total.`);
    }
    return hostRequest('sql.query', stringify({ datasource, query: text, params })).then((body) => parse(body) as unknown);
  });
}

/** One frozen object per call, with a function per declared datasource. */
export function createSql(datasources: readonly string[]): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const name of datasources) out[name] = freeze((text: unknown, params: unknown = {}) => query(name, text, params));
  return freeze(out);
}
