/**
 * The execution log on PostgreSQL: ExecutionStore (../executions.ts, whose documentation is the
 * contract) answering by promise. The same queries as SQLite's, in PostgreSQL's words; every
 * value is a bound parameter.
 *
 * A row is committed before insert() resolves. Rows of calls that finish together are committed
 * together (group-commit.ts); a record whose kv writes fail their quota at commit is logged as
 * that failure alone, the others in its batch keep theirs.
 */
import type { ExecutionQuery, ExecutionRecord, ExecutionStatus } from '../../model.js';
import type { Promised } from '../contract.js';
import { clampLimit, normalizeSince, type ExecutionStore } from '../executions.js';
import { quotaRefusedRecord, type NamespaceQuotas } from '../kv-writes.js';
import { executionFromPgRow, insertStatement, ROW, type PgExecutionRow } from './execution-rows.js';
import { createGroupCommit, type GroupCommitOptions } from './group-commit.js';
import { createPgKvWriter, hasKvWrites } from './kv-writes.js';
import { pgGuard } from './pg-guard.js';
import type { PgPool } from './queryable.js';
import { inTransaction } from './transaction.js';

/** 500 rows x 26 parameters stays far below PostgreSQL's 65,535 parameters a statement. */
const MAX_ROWS_A_STATEMENT = 500;

/**
 * One commit at a time, taking everything that queued meanwhile. Measured on a 2-core machine
 * under load (scripts/bench/pg-log-insert.mjs, fsync on, medians of 3 runs): 16 concurrent
 * callers 3.5 ms a row and ~3,600 rows/s against 5.4 ms and ~2,300 rows/s with each row
 * committed on its own connection; one caller at a time about the same (1.6-2.1 ms either way,
 * within the noise). Alone, 16 commits queue for the WAL flush; together they share one.
 */
export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { maxBatch: MAX_ROWS_A_STATEMENT, maxInFlight: 1 };

const NEWEST_FIRST = 'ORDER BY timestamp DESC, seq DESC LIMIT';

export function createPgExecutionStore(pool: PgPool, kvQuotas: NamespaceQuotas, groupCommit: GroupCommitOptions | null = DEFAULT_GROUP_COMMIT): Promised<ExecutionStore> {
  const kv = createPgKvWriter(kvQuotas);

  /** Commits `records` (and their kv writes) in one transaction, all or nothing; returns each as logged. */
  async function commit(records: readonly ExecutionRecord[]): Promise<ExecutionRecord[]> {
    if (records.length === 0) return [];
    // Without kv writes one multi-row INSERT is its own transaction: one round trip.
    if (records.length <= MAX_ROWS_A_STATEMENT && !records.some(hasKvWrites)) {
      await pool.query(insertStatement(records));
      return [...records];
    }
    return inTransaction(
      pool,
      async (client) => {
      await kv.lock(client, records);
      const logged: ExecutionRecord[] = [];
      for (const record of records) {
        const refusal = hasKvWrites(record) ? await kv.apply(client, record.persona, record.id, record.kvWrites) : null;
        logged.push(refusal === null ? record : quotaRefusedRecord(record, refusal));
      }
      for (let i = 0; i < logged.length; i += MAX_ROWS_A_STATEMENT) await client.query(insertStatement(logged.slice(i, i + MAX_ROWS_A_STATEMENT)));
      return logged;
      },
      { retry: false },
    );
  }

  const insertOne = groupCommit === null ? async (record: ExecutionRecord) => (await commit([record]))[0] as ExecutionRecord : createGroupCommit(commit, groupCommit);

  async function rows(text: string, values: unknown[]): Promise<ExecutionRecord[]> {
    const result = await pool.query<PgExecutionRow>(text, values);
    return result.rows.map(executionFromPgRow);
  }

  async function list(persona: string, query: ExecutionQuery = {}): Promise<ExecutionRecord[]> {
    const values: unknown[] = [persona, normalizeSince(query.since), clampLimit(query.limit)];
    let filter = '';
    if (query.toolName !== undefined) {
      values.push(query.toolName);
      filter += ` AND tool_name = $${String(values.length)}`;
    }
    // Spelled out, so that the planner can use the partial indexes of failures.
    if (query.status === 'FAILURE') filter += " AND status = 'FAILURE'";
    else if (query.status !== undefined) {
      values.push(query.status);
      filter += ` AND status = $${String(values.length)}`;
    }
    if (query.includeNested !== true) filter += ' AND parent_execution_id IS NULL';
    return rows(`SELECT ${ROW} FROM executions WHERE persona = $1 AND timestamp >= $2${filter} ${NEWEST_FIRST} $3`, values);
  }

  return {
    insert: pgGuard('record the execution', insertOne),
    insertMany: pgGuard('record the executions', commit),
    get: pgGuard('read the execution', async (persona: string, id: string) => (await rows(`SELECT ${ROW} FROM executions WHERE persona = $1 AND id = $2`, [persona, id]))[0]),
    // A range on the unique index of ids (byte order, COLLATE "C"): every id that starts with
    // the prefix sorts from it up to it followed by the largest code point.
    withIdPrefix: pgGuard('find the execution', (persona: string, prefix: string, limit: number) =>
      rows(`SELECT ${ROW} FROM executions WHERE id >= $1 AND id < $2 AND persona = $3 ORDER BY id LIMIT $4`, [prefix, `${prefix}\u{10FFFF}`, persona, limit]),
    ),
    list: pgGuard('list the executions', list),
    lastFailure: pgGuard('find the last failure', async (persona: string, toolName?: string) => {
      // As SQLite's: of any tool, the calls agents made; of one tool, its calls at any depth.
      const query: ExecutionQuery = { status: 'FAILURE', limit: 1 };
      if (toolName !== undefined) Object.assign(query, { toolName, includeNested: true });
      return (await list(persona, query))[0];
    }),
    tree: pgGuard('read the call tree', (persona: string, rootId: string, limit: number) =>
      rows(`SELECT ${ROW} FROM executions WHERE root_execution_id = $1 AND persona = $2 ORDER BY timestamp, seq LIMIT $3`, [rootId, persona, limit]),
    ),
    nestedCounts: pgGuard('count the nested calls', async (persona: string, rootIds: readonly string[]) => {
      const counts = new Map<string, number>();
      if (rootIds.length === 0) return counts;
      const result = await pool.query<{ root: string; count: number }>(
        `SELECT root_execution_id AS root, count(*)::int AS count FROM executions
          WHERE root_execution_id = ANY ($1::text[]) AND persona = $2 GROUP BY root_execution_id`,
        [rootIds, persona],
      );
      for (const row of result.rows) counts.set(row.root, row.count);
      return counts;
    }),
    successesSince: pgGuard('count the successes', async (persona: string, toolName: string, after: string, minVersion: number, cap: number) => {
      // Walks (persona, tool_name, timestamp) back from the newest row, at most `cap` rows.
      const result = await pool.query<{ version: number; count: number; last_at: string }>(
        `SELECT version, count(*)::int AS count, max(timestamp) AS last_at FROM (
           SELECT version, timestamp FROM executions
            WHERE persona = $1 AND tool_name = $2 AND timestamp > $3
              AND status = 'SUCCESS' AND operation = 'call' AND version >= $4
            ORDER BY timestamp DESC LIMIT $5) recent
          GROUP BY version ORDER BY version`,
        [persona, toolName, after, minVersion, cap],
      );
      const versions = result.rows.map((r) => ({ version: r.version, count: r.count, lastAt: r.last_at }));
      return { versions, capped: versions.reduce((sum, v) => sum + v.count, 0) >= cap };
    }),
    recentSuccesses: pgGuard('read the recent calls', async (persona: string, toolName: string, version: number, limit: number) => {
      const result = await pool.query<{ id: string; arguments_json: string; result_summary: string | null }>(
        `SELECT id, arguments_json, result_summary FROM executions
          WHERE persona = $1 AND tool_name = $2 AND version = $3
            AND status = 'SUCCESS' AND operation = 'call' AND parent_execution_id IS NULL
          ${NEWEST_FIRST} $4`,
        [persona, toolName, version, limit],
      );
      return result.rows.map((r) => ({ id: r.id, argumentsJson: r.arguments_json, resultSummary: r.result_summary }));
    }),
    countRows: pgGuard('count the log rows', async (persona: string, cap: number) => {
      // Stops after `cap` rows of the (persona, timestamp) index: bounded by a tenant's logRows quota, not the log.
      const result = await pool.query<{ count: number }>('SELECT count(*)::int AS count FROM (SELECT 1 FROM executions WHERE persona = $1 LIMIT $2) AS bounded', [persona, cap]);
      return result.rows[0]?.count ?? 0;
    }),
    lastStatusByTool: pgGuard('read the last statuses', async (persona: string, page?: { after: string; limit: number }) => {
      // Driven by the (small) tools table, one index probe per tool. COLLATE "C": the log's
      // keys are byte-ordered, and the comparison must be too for its index to serve it.
      const result = await pool.query<{ tool_name: string; status: string | null }>(
        `SELECT t.name AS tool_name,
                (SELECT e.status FROM executions e
                  WHERE e.persona = t.persona COLLATE "C" AND e.tool_name = t.name COLLATE "C" AND e.operation = 'call'
                  ORDER BY e.timestamp DESC, e.seq DESC LIMIT 1) AS status
           FROM tools t
          WHERE t.persona = $1 AND t.deleted_at IS NULL AND t.name COLLATE "C" > $2
          ORDER BY t.name COLLATE "C" LIMIT $3`,
        [persona, page?.after ?? '', page?.limit ?? null],
      );
      const statuses = new Map<string, ExecutionStatus>();
      for (const row of result.rows) if (row.status !== null) statuses.set(row.tool_name, row.status as ExecutionStatus);
      return statuses;
    }),
  };
}
