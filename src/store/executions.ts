/**
 * The execution log: one row per call (and per failed compile of create/update), read back
 * newest first. Timestamps are ISO 8601 UTC with milliseconds (`toISOString()`), so comparing
 * them as text orders them in time; `seq` (the rowid) breaks ties in insertion order.
 */
import type Database from 'better-sqlite3';

import { AppError } from '../errors.js';
import type { ExecutionQuery, ExecutionRecord, ExecutionStatus } from '../model.js';
import { guard } from './guard.js';
import { quotaRefusedRecord, type KvWriter } from './kv-writes.js';
import { executionFromRow, executionToRow, type ExecutionRow } from './rows.js';

export const DEFAULT_EXECUTION_LIMIT = 50;
export const MAX_EXECUTION_LIMIT = 1000;

export interface ExecutionStore {
  /**
   * Appends one row, with its kv writes (record.kvWrites) in the same transaction, committed
   * before this returns. Returns the record as logged: the same one, or, when its writes would
   * take a namespace past a quota (another call committed first), a failure that kept nothing.
   */
  insert(record: ExecutionRecord): ExecutionRecord;
  /** Appends several rows in one transaction (group commit), committed before this returns; each as insert() would. */
  insertMany(records: readonly ExecutionRecord[]): ExecutionRecord[];
  get(persona: string, id: string): ExecutionRecord | undefined;
  /** Up to `limit` rows whose id starts with `prefix`, in id order (the short ids people copy). */
  withIdPrefix(persona: string, prefix: string, limit: number): ExecutionRecord[];
  /** Newest first; `limit` defaults to 50 and is clamped to 1..1000. Roots only, unless `includeNested`. */
  list(persona: string, query?: ExecutionQuery): ExecutionRecord[];
  /**
   * The newest FAILURE row, of one tool (at any depth) or of any (roots only: a call an agent
   * made). Includes compile failures of create/update.
   */
  lastFailure(persona: string, toolName?: string): ExecutionRecord | undefined;
  /** The calls made below the root `rootId` by other tools (ctx.tools), oldest first, at most `limit`. */
  tree(persona: string, rootId: string, limit: number): ExecutionRecord[];
  /** How many calls were made below each of the roots `rootIds` (every depth); roots without any are absent. */
  nestedCounts(persona: string, rootIds: readonly string[]): Map<string, number>;
  /**
   * Status of the newest `call` of each live tool; tools never called are absent. Compile
   * failures of create/update are not counted: they leave the active version as it was.
   */
  /**
   * Successful calls of `toolName` that started after `after` (ISO 8601), by version, for
   * versions from `minVersion` up; at most `cap` rows (the newest) are counted (`capped` says when reached).
   */
  successesSince(persona: string, toolName: string, after: string, minVersion: number, cap: number): { versions: VersionSuccesses[]; capped: boolean };
  /**
   * The newest successful calls agents made of one version of a tool (roots only), newest
   * first, at most `limit` rows read: what the regression gate replays (service/gate-replay.ts).
   */
  recentSuccesses(persona: string, toolName: string, version: number, limit: number): ReplayableCall[];
  /** The status of each live tool's latest call, for all tools or a page of them (see ToolPage). */
  lastStatusByTool(persona: string, page?: { after: string; limit: number }): Map<string, ExecutionStatus>;
  /** Rows of the persona's log (every depth), counting at most `cap`: a tenant's logRows quota reads it (tenants/quota-counters.ts). */
  countRows(persona: string, cap: number): number;
}

export interface ReplayableCall {
  id: string;
  argumentsJson: string;
  /** The result as the log kept it (cut at 2,000 characters with a marker). */
  resultSummary: string | null;
}

export interface VersionSuccesses {
  version: number;
  count: number;
  /** ISO 8601 start of the latest of them. */
  lastAt: string;
}

interface ListParams {
  persona: string;
  since: string;
  limit: number;
  toolName?: string;
  status?: string;
}

const NEWEST_FIRST = 'ORDER BY timestamp DESC, seq DESC LIMIT @limit';

function prepareExecutionStatements(db: Database.Database) {
  // One statement per filter combination (rather than `@x IS NULL OR col = @x`), so that
  // SQLite picks the matching index for each. `since` is always bound: '' matches every row.
  // Each filter twice: every row, or only the calls agents made (the roots of call trees).
  const list = (filter: string) => ({
    all: db.prepare<ListParams, ExecutionRow>(`SELECT * FROM executions WHERE persona = @persona ${filter} AND timestamp >= @since ${NEWEST_FIRST}`),
    roots: db.prepare<ListParams, ExecutionRow>(
      `SELECT * FROM executions WHERE persona = @persona ${filter} AND timestamp >= @since AND parent_execution_id IS NULL ${NEWEST_FIRST}`,
    ),
  });
  return {
    insert: db.prepare<ExecutionRow>(
      `INSERT INTO executions (id, timestamp, persona, tool_name, operation, version, hash,
                               arguments_json, status, error_kind, error_name, error_message,
                               result_summary, frames_json, raw_stack, code_frame, error_facts_json,
                               effects_json, parent_execution_id, root_execution_id, fingerprint,
                               console_output, duration_ms, cpu_ms, heap_used_bytes, progress_calls)
       VALUES (@id, @timestamp, @persona, @tool_name, @operation, @version, @hash,
               @arguments_json, @status, @error_kind, @error_name, @error_message,
               @result_summary, @frames_json, @raw_stack, @code_frame, @error_facts_json,
               @effects_json, @parent_execution_id, @root_execution_id, @fingerprint,
               @console_output, @duration_ms, @cpu_ms, @heap_used_bytes, @progress_calls)`,
    ),
    // Stops after @cap rows of the (persona, timestamp) index: the cost is bounded by the quota, not the log.
    countRows: db.prepare<{ persona: string; cap: number }, number>('SELECT COUNT(*) FROM (SELECT 1 FROM executions WHERE persona = @persona LIMIT @cap)').pluck(),
    get: db.prepare<[persona: string, id: string], ExecutionRow>(
      'SELECT * FROM executions WHERE persona = ? AND id = ?',
    ),
    // A range on the unique index of ids: every id that starts with @low sorts from @low up to
    // @low followed by the largest code point (ids are ASCII). The `+` keeps SQLite from
    // choosing the persona index instead, which scanned all of a persona's log.
    withIdPrefix: db.prepare<{ persona: string; low: string; high: string; limit: number }, ExecutionRow>(
      'SELECT * FROM executions WHERE id >= @low AND id < @high AND +persona = @persona ORDER BY id LIMIT @limit',
    ),
    // Walks the (persona, tool_name, timestamp) index back from the newest row to `after`, at
    // most @cap rows of it: the counts are lower bounds when it stops, the latest times exact.
    successesSince: db.prepare<{ persona: string; toolName: string; after: string; minVersion: number; cap: number }, { version: number; count: number; last_at: string }>(
      `SELECT version, COUNT(*) AS count, MAX(timestamp) AS last_at FROM (
         SELECT version, timestamp FROM executions
          WHERE persona = @persona AND tool_name = @toolName AND timestamp > @after
            AND status = 'SUCCESS' AND operation = 'call' AND version >= @minVersion
          ORDER BY timestamp DESC LIMIT @cap)
        GROUP BY version ORDER BY version`,
    ),
    // Walks the (persona, tool_name, timestamp) index from the newest row: a busy tool's log is
    // read only as far as `limit` rows of this version's successes.
    recentSuccesses: db.prepare<{ persona: string; toolName: string; version: number; limit: number }, { id: string; arguments_json: string; result_summary: string | null }>(
      `SELECT id, arguments_json, result_summary FROM executions
        WHERE persona = @persona AND tool_name = @toolName AND version = @version
          AND status = 'SUCCESS' AND operation = 'call' AND parent_execution_id IS NULL
        ORDER BY timestamp DESC, seq DESC LIMIT @limit`,
    ),
    // The nested calls of one tree (partial index of migration 5), oldest first. The `+` keeps
    // SQLite from walking the persona's whole log on its time index for the ORDER BY.
    tree: db.prepare<{ persona: string; root: string; limit: number }, ExecutionRow>(
      'SELECT * FROM executions WHERE root_execution_id = @root AND +persona = @persona ORDER BY timestamp, seq LIMIT @limit',
    ),
    // Roots as a JSON array: one statement for any number of them, still on the partial index.
    nestedCounts: db.prepare<{ persona: string; roots: string }, { root: string; count: number }>(
      `SELECT root_execution_id AS root, COUNT(*) AS count FROM executions
        WHERE root_execution_id IN (SELECT value FROM json_each(@roots)) AND +persona = @persona
        GROUP BY root_execution_id`,
    ),
    listAll: list(''),
    listByTool: list('AND tool_name = @toolName'),
    listByStatus: list('AND status = @status'),
    listByToolAndStatus: list('AND tool_name = @toolName AND status = @status'),
    // Spelled out, so that SQLite can use the partial indexes of failures (migration 2).
    listFailures: list("AND status = 'FAILURE'"),
    listFailuresByTool: list("AND tool_name = @toolName AND status = 'FAILURE'"),
    // Driven by the (small) tools table, one index probe per tool, instead of scanning the log.
    lastStatusByTool: db.prepare<{ persona: string; after: string; limit: number }, { tool_name: string; status: string | null }>(
      `SELECT t.name AS tool_name,
              (SELECT e.status FROM executions e
                WHERE e.persona = t.persona AND e.tool_name = t.name AND e.operation = 'call'
                ORDER BY e.timestamp DESC, e.seq DESC LIMIT 1) AS status
         FROM tools t
        WHERE t.persona = @persona AND t.deleted_at IS NULL AND t.name > @after
        ORDER BY t.name LIMIT @limit`,
    ),
  };
}

/**
 * `kv` applies a record's kv writes inside its insert. `afterWrite` is told of every committed
 * write (the WAL checkpointer counts them); `beforeWrite` may refuse a write by throwing (the
 * database file is gone: index.ts).
 */
export function createExecutionStore(db: Database.Database, kv: KvWriter, afterWrite: () => void = () => {}, beforeWrite: () => void = () => {}): ExecutionStore {
  const s = prepareExecutionStatements(db);

  function list(persona: string, query: ExecutionQuery = {}): ExecutionRecord[] {
    const base = { persona, since: normalizeSince(query.since), limit: clampLimit(query.limit) };
    const { toolName, status } = query;
    const which = query.includeNested === true ? 'all' : 'roots';
    let rows: ExecutionRow[];
    if (status === 'FAILURE') {
      rows = toolName !== undefined ? s.listFailuresByTool[which].all({ ...base, toolName }) : s.listFailures[which].all(base);
    } else if (toolName !== undefined && status !== undefined) {
      rows = s.listByToolAndStatus[which].all({ ...base, toolName, status });
    } else if (toolName !== undefined) {
      rows = s.listByTool[which].all({ ...base, toolName });
    } else if (status !== undefined) {
      rows = s.listByStatus[which].all({ ...base, status });
    } else {
      rows = s.listAll[which].all(base);
    }
    return rows.map(executionFromRow);
  }

  /** Inside a transaction: the record's writes (a success's only), then its row. */
  function insertWithWrites(record: ExecutionRecord): ExecutionRecord {
    let logged = record;
    if (record.status === 'SUCCESS' && record.kvWrites !== undefined && record.kvWrites.length > 0) {
      const refusal = kv.apply(record.persona, record.id, record.kvWrites);
      if (refusal !== null) logged = quotaRefusedRecord(record, refusal);
    }
    s.insert.run(executionToRow(logged));
    return logged;
  }
  // IMMEDIATE: the write lock is taken before the quota check reads the usage, so what it
  // reads is what the writes land on. (A DEFERRED transaction that read first could also fail
  // to upgrade its snapshot, SQLITE_BUSY_SNAPSHOT, after another process's commit.)
  const insertAll = db.transaction((records: readonly ExecutionRecord[]) => records.map(insertWithWrites));
  const insertOneWithWrites = db.transaction(insertWithWrites);

  return {
    // Outside a transaction SQLite runs each statement in its own implicit transaction, and
    // better-sqlite3 is synchronous: when run() returns, the row is committed (durable up to
    // synchronous=NORMAL in WAL mode, i.e. it survives a crash of this process, while a power
    // loss may drop the last commits). Everything is a bound parameter, so no content can
    // break the statement; odd numbers are normalised in executionToRow.
    // A row without kv writes (most calls) is one statement, as before kv existed.
    insert: guard('record the execution', (record: ExecutionRecord) => {
      beforeWrite();
      let logged = record;
      if (record.kvWrites === undefined || record.kvWrites.length === 0) s.insert.run(executionToRow(record));
      else logged = insertOneWithWrites.immediate(record);
      afterWrite();
      return logged;
    }),
    // One transaction for calls that finished together: ~20-30 us a row instead of ~100-130
    // (NOTES.md). All or nothing, and committed when this returns.
    insertMany: guard('record the executions', (records: readonly ExecutionRecord[]) => {
      beforeWrite();
      const logged = insertAll.immediate(records);
      afterWrite();
      return logged;
    }),
    get: guard('read the execution', (persona: string, id: string) => {
      const row = s.get.get(persona, id);
      return row === undefined ? undefined : executionFromRow(row);
    }),
    withIdPrefix: guard('find the execution', (persona: string, prefix: string, limit: number) =>
      s.withIdPrefix.all({ persona, low: prefix, high: `${prefix}\u{10FFFF}`, limit }).map(executionFromRow),
    ),
    list: guard('list the executions', list),
    lastFailure: guard('find the last failure', (persona: string, toolName?: string) => {
      // Of any tool: the calls agents made, whose failure shows the whole tree below them (a
      // callee's failure is logged before its caller's). Of one tool: its calls at any depth.
      const query: ExecutionQuery = { status: 'FAILURE', limit: 1 };
      if (toolName !== undefined) Object.assign(query, { toolName, includeNested: true });
      return list(persona, query)[0];
    }),
    tree: guard('read the call tree', (persona: string, rootId: string, limit: number) => s.tree.all({ persona, root: rootId, limit }).map(executionFromRow)),
    nestedCounts: guard('count the nested calls', (persona: string, rootIds: readonly string[]) => {
      const counts = new Map<string, number>();
      if (rootIds.length === 0) return counts;
      for (const row of s.nestedCounts.all({ persona, roots: JSON.stringify(rootIds) })) counts.set(row.root, row.count);
      return counts;
    }),
    successesSince: guard('count the successes', (persona: string, toolName: string, after: string, minVersion: number, cap: number) => {
      const versions = s.successesSince.all({ persona, toolName, after, minVersion, cap }).map((r) => ({ version: r.version, count: r.count, lastAt: r.last_at }));
      return { versions, capped: versions.reduce((sum, v) => sum + v.count, 0) >= cap };
    }),
    recentSuccesses: guard('read the recent calls', (persona: string, toolName: string, version: number, limit: number) =>
      s.recentSuccesses.all({ persona, toolName, version, limit }).map((r) => ({ id: r.id, argumentsJson: r.arguments_json, resultSummary: r.result_summary })),
    ),
    countRows: guard('count the log rows', (persona: string, cap: number) => s.countRows.get({ persona, cap }) ?? 0),
    lastStatusByTool: guard('read the last statuses', (persona: string, page?: { after: string; limit: number }) => {
      const statuses = new Map<string, ExecutionStatus>();
      for (const row of s.lastStatusByTool.all({ persona, after: page?.after ?? '', limit: page?.limit ?? -1 })) {
        if (row.status !== null) statuses.set(row.tool_name, row.status as ExecutionStatus);
      }
      return statuses;
    }),
  };
}

/** Absent or NaN -> 50; otherwise rounded down and clamped to 1..1000. */
export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || Number.isNaN(limit)) return DEFAULT_EXECUTION_LIMIT;
  return Math.min(MAX_EXECUTION_LIMIT, Math.max(1, Math.floor(limit)));
}

/**
 * Rewrites `since` in the stored format, so that text comparison is a time comparison:
 * `2026-11-30T20:00:00Z` (no milliseconds) or `+02:00` offsets would otherwise compare wrongly.
 */
export function normalizeSince(since: string | undefined): string {
  if (since === undefined) return '';
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `\`since\` must be an ISO 8601 timestamp such as 2026-11-30T20:00:00.000Z, not ${JSON.stringify(since.slice(0, 100))}.`,
    );
  }
  return new Date(ms).toISOString();
}
