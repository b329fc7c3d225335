/**
 * What a datasource (a database the host configured under `datasources`) does for SQL tools
 * and ctx.sql: check a statement without running it, and run it read-only under a deadline
 * with capped results. Engines differ (sqlite-source.ts, postgres-source.ts); this is what
 * they share. Errors are values, located in the statement's text when the engine says where.
 */
import type { Dialect } from './sql-text.js';
import type { Statement } from './statement.js';

/** How a query failed. */
export type SqlErrorKind =
  /** The statement cannot run as written: syntax, unknown table or column, not read-only. */
  | 'compile'
  /** It ran and the engine stopped it (a division by zero, a bad cast, a permission). */
  | 'exception'
  /** It ran past its deadline and was stopped. */
  | 'timeout'
  /** The datasource could not be reached or opened: the host must fix its config. */
  | 'unavailable';

export interface SqlError {
  kind: SqlErrorKind;
  /** The engine's code: SQLITE_ERROR, a PostgreSQL SQLSTATE (42703), or ours (NOT_READ_ONLY). */
  code: string;
  message: string;
  /** Offset into the statement's text (UTF-16 units) when the engine said where. */
  offset?: number;
}

/** What a statement is, found by the engine without running it. */
export interface Description {
  /** Result column names, in order. */
  columns: string[];
  /** A JSON Schema type for each parameter, when the engine infers one (PostgreSQL does). */
  parameterTypes?: Record<string, ParameterType>;
}

export interface ParameterType {
  /** JSON Schema `type`. */
  type: string | string[];
  /** The engine's own name of the type (`numeric`, `date`), for the schema's description. */
  engineType: string;
}

export interface QueryLimits {
  /** Wall-clock time the query may take, waiting for a connection included. */
  timeoutMs: number;
  /** Rows kept; more are cut and `truncated` says so. */
  maxRows: number;
  /** Bytes of the rows as JSON kept; the row that passes it is cut, with the rest. */
  maxBytes: number;
}

export interface QueryResult {
  columns: string[];
  /** Each row's values in column order, already JSON-safe (see values.ts). */
  rows: unknown[][];
  /** Why rows were cut, or null when every row is here. */
  truncated: 'rows' | 'bytes' | null;
}

export type QueryOutcome = { ok: true; result: QueryResult } | { ok: false; error: SqlError };
export type DescribeOutcome = { ok: true; description: Description } | { ok: false; error: SqlError };

export interface Datasource {
  readonly name: string;
  readonly dialect: Dialect;
  /** Prepares the statement without running it (bounded by `timeoutMs`). */
  describe(statement: Statement, timeoutMs: number): Promise<DescribeOutcome>;
  /**
   * Runs the statement read-only with `values` bound by name (every name of the statement).
   * An abort stops it as its deadline would (the call that asked has ended).
   */
  query(statement: Statement, values: Readonly<Record<string, unknown>>, limits: QueryLimits, signal?: AbortSignal): Promise<QueryOutcome>;
  /** Stops its processes or connections; queries still running fail. */
  close(): Promise<void>;
}
