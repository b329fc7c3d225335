/**
 * A SQLite query process: one read-only connection to one datasource file, answering one
 * request at a time over IPC. It is a process, not a worker thread, because a query cannot be
 * stopped from inside: better-sqlite3 has no interrupt, this build of SQLite has no progress
 * handler (SQLITE_OMIT_PROGRESS_CALLBACK), and Worker.terminate() cannot end a thread that is
 * inside sqlite3_step (measured: a recursive CTE kept a core busy after terminate(), and the
 * process could no longer exit). The server SIGKILLs this process at the query's deadline
 * and starts another (sqlite-source.ts).
 *
 * Read-only three times over: the connection is opened read-only (SQLite refuses any write to
 * the file), and a statement runs only if SQLite itself says it is read-only
 * (sqlite3_stmt_readonly) and returns rows (not ATTACH, DETACH, VACUUM INTO or a PRAGMA that
 * sets something: ATTACH and VACUUM INTO pass the first two checks, see SECURITY.md).
 * better-sqlite3 keeps SQLite's defensive mode on and the SQL function load_extension() off.
 *
 * Started by fork() with the file as its only argument; the server's environment is not
 * passed on.
 */
import Database from 'better-sqlite3';

import { isSqliteSyntaxError, offsetOfNamed } from './locate.js';
import { significant, tokenize } from './sql-text.js';
import { capRows, toBindable } from './values.js';

export type ChildRequest = { id: number; op: 'describe'; text: string; end: number } | ChildQuery;
export interface ChildQuery {
  id: number;
  op: 'query';
  text: string;
  end: number;
  values: Record<string, unknown>;
  maxRows: number;
  maxBytes: number;
}

export type ChildReply =
  | { id: number; ok: true; columns: string[]; rows?: unknown[][]; truncated?: 'rows' | 'bytes' | null }
  | { id: number; ok: false; error: { kind: 'compile' | 'exception' | 'unavailable'; code: string; message: string; offset?: number } };

const file = process.argv[2] ?? '';
let db: Database.Database | null = null;
let openProblem: string | null = null;
try {
  db = new Database(file, { readonly: true, fileMustExist: true });
} catch (error) {
  openProblem = error instanceof Error ? error.message : String(error);
}

/** Prepared statements by text: preparing is most of a small query's cost. */
const prepared = new Map<string, Database.Statement>();
const MAX_PREPARED = 200;

process.on('message', (message: ChildRequest) => {
  let reply: ChildReply;
  try {
    reply = answer(message);
  } catch (error) {
    reply = { id: message.id, ok: false, error: { kind: 'exception', code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } };
  }
  process.send?.(reply);
});
// The server went away: nothing is left to answer.
process.on('disconnect', () => process.exit(0));
// Ready (its connection opened, or its failure kept to report): the server starts a query's
// deadline from here, so a process's start is never billed to the query that waited for it.
process.send?.({ ready: true });

function answer(request: ChildRequest): ChildReply {
  const { id } = request;
  if (db === null) return { id, ok: false, error: { kind: 'unavailable', code: 'SQLITE_CANTOPEN', message: `cannot open the database file: ${openProblem ?? 'unknown reason'}` } };
  const sql = request.text.slice(0, request.end);
  let statement: Database.Statement;
  try {
    statement = prepare(db, sql);
  } catch (error) {
    return { id, ok: false, error: { kind: 'compile', ...located(db, request.text, request.end, error) } };
  }
  if (!statement.reader || !statement.readonly) {
    const first = significant(tokenize(sql, 'sqlite'))[0];
    const what = first ? first.text.toUpperCase() : 'This statement';
    return {
      id,
      ok: false,
      error: {
        kind: 'compile',
        code: 'NOT_READ_ONLY',
        message: `${what} is not a read-only query (SQLite says so of this statement): SQL tools and ctx.sql only read, with SELECT, WITH ... SELECT or VALUES.`,
        ...(first ? { offset: first.start } : {}),
      },
    };
  }
  const columns = statement.columns().map((c) => c.name);
  if (request.op === 'describe') return { id, ok: true, columns };
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request.values)) values[name] = toBindable(value, 'sqlite');
  try {
    const rows = statement.safeIntegers(true).raw(true).iterate(values) as IterableIterator<unknown[]>;
    const capped = capRows(rows, columns, request.maxRows, request.maxBytes);
    // A cut result leaves the statement mid-way: return() resets it for the next call.
    rows.return?.();
    return { id, ok: true, columns, rows: capped.rows, truncated: capped.truncated };
  } catch (error) {
    const { code, message } = codeAndMessage(error);
    return { id, ok: false, error: { kind: 'exception', code, message, ...optionalOffset(offsetOfNamed(message, tokenize(sql, 'sqlite'))) } };
  }
}

function prepare(connection: Database.Database, sql: string): Database.Statement {
  const cached = prepared.get(sql);
  if (cached !== undefined) return cached;
  const statement = connection.prepare(sql);
  if (prepared.size >= MAX_PREPARED) prepared.delete(prepared.keys().next().value as string);
  prepared.set(sql, statement);
  return statement;
}

/**
 * The error of a statement that does not prepare, with where. A syntax error is at the end of
 * the shortest prefix of the statement that SQLite refuses: SQLite reads tokens left to right
 * and stops at the first it cannot take, so every prefix that ends before that token is only
 * incomplete, and every prefix that includes it is refused. A binary search finds it in
 * log2(tokens) prepares of a few microseconds each.
 */
function located(connection: Database.Database, text: string, end: number, error: unknown): { code: string; message: string; offset?: number } {
  const { code, message } = codeAndMessage(error);
  const tokens = tokenize(text.slice(0, end), 'sqlite');
  const words = significant(tokens);
  if (message === 'incomplete input') return { code, message, ...optionalOffset(words[words.length - 1]?.end) };
  if (!isSqliteSyntaxError(message)) return { code, message, ...optionalOffset(offsetOfNamed(message, tokens)) };
  let low = 0;
  let high = words.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (refusesSyntax(connection, text.slice(0, words[middle]!.end))) high = middle;
    else low = middle + 1;
  }
  const at = words[low];
  return { code, message, ...optionalOffset(at !== undefined && refusesSyntax(connection, text.slice(0, at.end)) ? at.start : offsetOfNamed(message, tokens)) };
}

function refusesSyntax(connection: Database.Database, prefix: string): boolean {
  try {
    connection.prepare(prefix);
    return false;
  } catch (error) {
    const { message } = codeAndMessage(error);
    return isSqliteSyntaxError(message) && message !== 'incomplete input';
  }
}

function codeAndMessage(error: unknown): { code: string; message: string } {
  const code = error !== null && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'SQLITE_ERROR';
  // better-sqlite3's own TypeErrors (e.g. "more than one statement") carry no SQLite code.
  return { code, message: error instanceof Error ? error.message : String(error) };
}

function optionalOffset(offset: number | undefined): { offset?: number } {
  return offset === undefined ? {} : { offset };
}
