/**
 * A PostgreSQL datasource, through `pg` (chosen over postgres.js by measurement: docs/writing-tools.md) with a
 * small pool. Each query, in one connection:
 *
 *   BEGIN READ ONLY; SET LOCAL statement_timeout = <what is left of the call>
 *   DECLARE chameleon_query NO SCROLL CURSOR FOR <the statement, :names as $n>   (bound values)
 *   FETCH FORWARD <batch> FROM chameleon_query   (until the row or byte cap, or the end)
 *   ROLLBACK; SELECT pg_advisory_unlock_all()
 *
 * The server enforces all of it: the transaction is read-only (no INSERT, UPDATE, DELETE, DDL,
 * nextval, SELECT FOR UPDATE), DECLARE takes only a query (SELECT, VALUES, TABLE, WITH without
 * data-modifying parts: not COPY, not CALL, not a second statement), the statement timeout
 * stops it server-side, and the ROLLBACK undoes any set_config(). Session-level advisory locks
 * survive a rollback, so they are released too. The cursor fetches in batches, so a huge result
 * is never read past the caps. A role that could read or write server files (a superuser, or a
 * member of pg_read_server_files, pg_write_server_files or pg_execute_server_program) is refused
 * before its first query: COPY TO a file and pg_read_file are not writes a read-only
 * transaction stops. docs/writing-tools.md tells how to make a role that can only read.
 */
import pg from 'pg';

import type { Logger } from '../logger.js';
import { offsetOfCharacter } from './sql-text.js';
import { positionalText, type Statement } from './statement.js';
import type { Datasource, DescribeOutcome, ParameterType, QueryLimits, QueryOutcome, SqlError } from './types.js';
import { fromEngine } from './values.js';

export interface PostgresSourceOptions {
  name: string;
  url: string;
  password?: string;
  poolSize: number;
  logger: Logger;
}

const CURSOR = 'chameleon_query';
const DECLARE = `DECLARE ${CURSOR} NO SCROLL CURSOR FOR `;
const PREPARE = 'PREPARE chameleon_probe AS ';
/** Rows per FETCH: a round trip per batch, and at most this many rows past the caps read. */
const BATCH_ROWS = 200;
/** After the query's own deadline, how long the client waits before dropping the connection. */
const CLIENT_GRACE_MS = 1_000;

/**
 * Values kept as the server's text: dates and times (a JS Date would move them into the
 * server process's time zone), intervals and bytea (`\x` hex). int8 becomes a number when it
 * is a safe integer (values.ts); numeric stays text (exact).
 */
const TEXT_TYPES = new Set([1082, 1083, 1114, 1184, 1186, 1266, 17, 1182, 1183, 1115, 1185, 1187, 1270, 1001]);
const INT8 = 20;
const types = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    if (TEXT_TYPES.has(oid)) return (value: string) => value;
    if (oid === INT8) return (value: string) => fromEngine(BigInt(value));
    return (pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown)(oid, format);
  },
};

/**
 * `url` carrying `password` unless it has one of its own (the URL's wins, as for the store). A
 * separate `password` setting would be lost: pg lets what it parses from `connectionString`, an
 * empty password for a URL without one, override it.
 */
function urlWithPassword(url: string, password: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.password !== '') return url;
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

export function createPostgresSource(options: PostgresSourceOptions): Datasource {
  const pool = new pg.Pool({
    connectionString: options.password === undefined ? options.url : urlWithPassword(options.url, options.password),
    max: options.poolSize,
    idleTimeoutMillis: 30_000,
    application_name: 'chameleon',
  });
  // An idle connection that the server drops must not crash the process.
  pool.on('error', (error) => options.logger.warn('postgres datasource: an idle connection failed', { datasource: options.name, error: error.message }));
  let roleCheck: Promise<string | null> | null = null;

  /** Why this role may not be used (it can reach server files), or null. Asked once. */
  function privilegedRole(client: pg.PoolClient): Promise<string | null> {
    roleCheck ??= client
      .query<{ rolname: string; rolsuper: boolean; files: boolean }>(
        `SELECT rolname, rolsuper,
                pg_has_role(current_user, 'pg_read_server_files', 'MEMBER')
             OR pg_has_role(current_user, 'pg_write_server_files', 'MEMBER')
             OR pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER') AS files
           FROM pg_roles WHERE rolname = current_user`,
      )
      .then((r) => {
        const row = r.rows[0];
        if (!row) return null;
        if (!row.rolsuper && !row.files) return null;
        return `the role ${row.rolname} ${row.rolsuper ? 'is a superuser' : 'may read or write server files'}, which a read-only transaction does not stop (COPY TO a file, pg_read_file). Connect as a role that can only read: see docs/writing-tools.md, SQL tools`;
      })
      .catch((error: unknown) => {
        roleCheck = null;
        throw error;
      });
    return roleCheck;
  }

  async function withTransaction<T>(timeoutMs: number, work: (client: pg.PoolClient) => Promise<T>, signal?: AbortSignal): Promise<T | { error: SqlError }> {
    const started = performance.now();
    let client: pg.PoolClient;
    try {
      client = await withDeadline(pool.connect(), timeoutMs, (late) => late.release());
    } catch (error) {
      return { error: unavailable(options.name, error, timeoutMs) };
    }
    let broken = false;
    try {
      const refusal = await privilegedRole(client);
      if (refusal !== null) return { error: { kind: 'unavailable', code: 'PRIVILEGED_ROLE', message: `Datasource ${options.name} is not used: ${refusal}.` } };
      const left = Math.max(1, Math.round(timeoutMs - (performance.now() - started)));
      await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${left}`);
      return await withDeadline(work(client), left + CLIENT_GRACE_MS, undefined, signal);
    } catch (error) {
      broken = error instanceof DeadlineError || !isServerError(error);
      if (error instanceof DeadlineError) return { error: { kind: 'timeout', code: 'TIMEOUT', message: `The query ran past its time limit of ${timeoutMs} ms and the connection was closed.` } };
      throw error;
    } finally {
      if (!broken) {
        try {
          await client.query('ROLLBACK; SELECT pg_advisory_unlock_all()');
        } catch {
          broken = true;
        }
      }
      // A connection in an unknown state is closed, not given to the next query.
      client.release(broken ? true : undefined);
    }
  }

  return {
    name: options.name,
    dialect: 'postgres',
    async describe(statement: Statement, timeoutMs: number): Promise<DescribeOutcome> {
      const { text, originalOffset } = positionalText(statement);
      try {
        const outcome = await withTransaction(timeoutMs, async (client) => {
          // PREPARE infers each parameter's type; DECLARE then refuses what is not a query.
          await located(client.query(`${PREPARE}${text}`), PREPARE.length, text, originalOffset);
          const typed = await client.query<{ types: string[] }>("SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = 'chameleon_probe'");
          await client.query('DEALLOCATE chameleon_probe');
          const nulls = statement.names.map(() => null);
          await located(client.query({ text: `${DECLARE}${text}`, values: nulls }), DECLARE.length, text, originalOffset);
          const fields = await client.query({ text: `FETCH FORWARD 0 FROM ${CURSOR}`, rowMode: 'array' });
          const parameterTypes: Record<string, ParameterType> = {};
          const engineTypes = typed.rows[0]?.types ?? [];
          statement.names.forEach((name, i) => (parameterTypes[name] = jsonType(engineTypes[i] ?? 'unknown')));
          return { columns: fields.fields.map((f) => f.name), parameterTypes };
        });
        if ('error' in outcome) return { ok: false, error: outcome.error };
        return { ok: true, description: outcome };
      } catch (error) {
        return { ok: false, error: sqlError(error, 'compile') };
      }
    },
    async query(statement: Statement, values: Readonly<Record<string, unknown>>, limits: QueryLimits, signal?: AbortSignal): Promise<QueryOutcome> {
      const { text, originalOffset } = positionalText(statement);
      try {
        const outcome = await withTransaction(limits.timeoutMs, async (client) => {
          const bound = statement.names.map((name) => bindable(values[name]));
          await located(client.query({ text: `${DECLARE}${text}`, values: bound, types }), DECLARE.length, text, originalOffset);
          return fetchCapped(client, limits);
        }, signal);
        if ('error' in outcome) return { ok: false, error: outcome.error };
        return { ok: true, result: outcome };
      } catch (error) {
        return { ok: false, error: sqlError(error, 'exception') };
      }
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };
}

async function fetchCapped(client: pg.PoolClient, limits: QueryLimits): Promise<{ columns: string[]; rows: unknown[][]; truncated: 'rows' | 'bytes' | null }> {
  const rows: unknown[][] = [];
  let columns: string[] | null = null;
  let keyBytes = 0;
  let bytes = 2;
  for (;;) {
    // One row more than the cap tells whether the result was cut.
    const want = Math.min(BATCH_ROWS, limits.maxRows + 1 - rows.length);
    const batch = await client.query<unknown[]>({ text: `FETCH FORWARD ${want} FROM ${CURSOR}`, rowMode: 'array', types });
    if (columns === null) {
      columns = batch.fields.map((f) => f.name);
      keyBytes = columns.reduce((sum, c) => sum + Buffer.byteLength(JSON.stringify(c)) + 2, 0);
    }
    for (const raw of batch.rows) {
      if (rows.length >= limits.maxRows) return { columns, rows, truncated: 'rows' };
      const row = raw.map(fromEngine);
      bytes += Buffer.byteLength(JSON.stringify(row)) + keyBytes + 1;
      if (bytes > limits.maxBytes) return { columns, rows, truncated: 'bytes' };
      rows.push(row);
    }
    if (batch.rows.length < want) return { columns, rows, truncated: null };
  }
}

/** pg binds arrays as PostgreSQL arrays and other objects as their JSON text. */
function bindable(value: unknown): unknown {
  return value === undefined ? null : value;
}

/** A server error's position, moved from the text the server got to the statement as written. */
async function located<T>(query: Promise<T>, prefix: number, sent: string, originalOffset: (offset: number) => number): Promise<T> {
  try {
    return await query;
  } catch (error) {
    if (isServerError(error) && typeof error.position === 'string' && error.position !== '') {
      const inSent = offsetOfCharacter(prefixText(prefix) + sent, Number(error.position)) - prefix;
      (error as { chameleonOffset?: number }).chameleonOffset = inSent >= 0 ? originalOffset(inSent) : 0;
    }
    throw error;
  }
}

/** The prefixes are ASCII: any text of their length counts characters the same. */
function prefixText(length: number): string {
  return ' '.repeat(length);
}

interface ServerError extends Error {
  code: string;
  position?: string;
  chameleonOffset?: number;
}

function isServerError(error: unknown): error is ServerError {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/** Classes of SQLSTATE that mean the statement cannot run as written (found at describe too). */
const COMPILE_CLASSES = ['42', '0A'];

function sqlError(error: unknown, during: 'compile' | 'exception'): SqlError {
  if (isServerError(error)) {
    const offset = error.chameleonOffset;
    const kind = error.code === '57014' ? 'timeout' : during === 'compile' || COMPILE_CLASSES.includes(error.code.slice(0, 2)) ? 'compile' : 'exception';
    const message = error.code === '57014' ? 'The query ran past its time limit and the server cancelled it (statement_timeout).' : error.message;
    return { kind, code: error.code, message, ...(offset === undefined ? {} : { offset }) };
  }
  return { kind: 'unavailable', code: 'CONNECTION', message: `The database could not be reached or the connection failed: ${error instanceof Error ? error.message : String(error)}` };
}

function unavailable(name: string, error: unknown, timeoutMs: number): SqlError {
  if (error instanceof DeadlineError) return { kind: 'timeout', code: 'TIMEOUT', message: `No connection to datasource ${name} was free or could be made within the time limit of ${timeoutMs} ms.` };
  return { kind: 'unavailable', code: 'CONNECTION', message: `Datasource ${name} cannot be reached: ${error instanceof Error ? error.message : String(error)}. The host must check its config (datasources.${name}) and that the database is up.` };
}

/** The JSON Schema type of a parameter PostgreSQL typed (pg_prepared_statements.parameter_types). */
export function jsonType(engineType: string): ParameterType {
  if (/^(smallint|integer)$/.test(engineType)) return { type: 'integer', engineType };
  // A bigint may be beyond 2^53: its decimal text is taken too.
  if (engineType === 'bigint') return { type: ['integer', 'string'], engineType };
  if (/^(numeric|real|double precision)$/.test(engineType)) return { type: ['number', 'string'], engineType };
  if (engineType === 'boolean') return { type: 'boolean', engineType };
  if (engineType.endsWith('[]') || engineType === 'json' || engineType === 'jsonb') return { type: ['array', 'object', 'string', 'number', 'boolean', 'null'], engineType };
  return { type: 'string', engineType };
}

class DeadlineError extends Error {}

/**
 * `work`, or a DeadlineError after `ms`. Work that ends after its deadline is handed to
 * `late` (a connection that arrives late goes back to the pool) and its failure is ignored.
 */
function withDeadline<T>(work: Promise<T>, ms: number, late?: (value: T) => void, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let expired = false;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    const expire = () => {
      expired = true;
      reject(new DeadlineError('deadline'));
    };
    timer = setTimeout(expire, ms);
    // The call that asked has ended: its query ends as at a deadline (the connection is closed).
    onAbort = expire;
    if (signal?.aborted) expire();
    else signal?.addEventListener('abort', onAbort);
  });
  work.then(
    (value) => {
      if (expired) late?.(value);
    },
    () => undefined,
  );
  return Promise.race([work, deadline]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  });
}
