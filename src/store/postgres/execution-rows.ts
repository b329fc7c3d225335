/**
 * Log rows on PostgreSQL: the columns of `executions` in one order, a record's values in that
 * order (from rows.ts executionToRow, so both stores write the same text), and a row read back.
 *
 * PostgreSQL text cannot hold U+0000 (SQLite's can): a NUL in free text (console output, a
 * message, a stack) would make the insert fail and lose the whole row, so it is stored as U+FFFD,
 * as a lone surrogate already is (rows.ts wellFormed). Keys (id, persona, tool name) are kept
 * as given: the server never makes them with a NUL.
 */
import type { ExecutionRecord } from '../../model.js';
import { executionFromRow, executionToRow, type ExecutionRow } from '../rows.js';

export const EXECUTION_COLUMNS = [
  'id',
  'timestamp',
  'persona',
  'tool_name',
  'operation',
  'version',
  'hash',
  'arguments_json',
  'status',
  'error_kind',
  'error_name',
  'error_message',
  'result_summary',
  'frames_json',
  'raw_stack',
  'code_frame',
  'error_facts_json',
  'effects_json',
  'parent_execution_id',
  'root_execution_id',
  'fingerprint',
  'console_output',
  'duration_ms',
  'cpu_ms',
  'heap_used_bytes',
  'progress_calls',
] as const satisfies ReadonlyArray<keyof ExecutionRow>;

/** The select list of a whole row (seq left out: records do not carry it). */
export const ROW = EXECUTION_COLUMNS.join(', ');

/** The values of one row, in EXECUTION_COLUMNS order, U+0000 as U+FFFD (see above). */
export function executionValues(record: ExecutionRecord): unknown[] {
  const row = executionToRow(record);
  return EXECUTION_COLUMNS.map((column) => {
    const value = row[column];
    return typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
  });
}

/** `INSERT INTO executions (...) VALUES ($1, ...), ($27, ...)` for `rows` rows, and its values. */
export function insertStatement(records: readonly ExecutionRecord[]): { text: string; values: unknown[] } {
  const width = EXECUTION_COLUMNS.length;
  const tuples = records.map((_, r) => `(${EXECUTION_COLUMNS.map((_c, c) => `$${String(r * width + c + 1)}`).join(', ')})`);
  return { text: `INSERT INTO executions (${ROW}) VALUES ${tuples.join(', ')}`, values: records.flatMap(executionValues) };
}

/** A row as pg hands it back: bigint columns arrive as strings. */
export type PgExecutionRow = Omit<ExecutionRow, 'heap_used_bytes'> & { heap_used_bytes: string | number | null };

export function executionFromPgRow(row: PgExecutionRow): ExecutionRecord {
  return executionFromRow({ ...row, heap_used_bytes: row.heap_used_bytes === null ? null : Number(row.heap_used_bytes) });
}
