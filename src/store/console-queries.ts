/**
 * Read-only queries of the web console (src/console/): filtered pages of the log with keyset
 * pagination, the newest row's seq for live updates, per-tool counts over time and latency
 * percentiles. Every value is a bound parameter; the SQL text is assembled only from the
 * constant fragments below, so the number of distinct statements is bounded (and cached).
 *
 * Personas are always a list (json_each), so that the (persona, ...) indexes are used for
 * "every persona" too: the console resolves "all" to the personas that have tools.
 */
import type Database from 'better-sqlite3';

import type { Capabilities, ExecutionRecord, ExecutionStatus, Language, ToolKind } from '../model.js';
import { guard } from './guard.js';
import { executionFromRow, type ExecutionRow } from './rows.js';

export interface ExecutionFilter {
  personas: readonly string[];
  tool?: string;
  status?: ExecutionStatus;
  kind?: string;
  version?: number;
  /** ISO 8601, inclusive. */
  since?: string;
  /** ISO 8601, exclusive. */
  until?: string;
  /** Case-insensitive (ASCII) substring of the error message. */
  text?: string;
  /** Also calls made by other tools (ctx.tools). */
  includeNested?: boolean;
}

/** Where a page ends: the (timestamp, seq) of its last row. */
export interface ExecutionCursor {
  timestamp: string;
  seq: number;
}

export interface LoggedExecution {
  seq: number;
  record: ExecutionRecord;
}

export interface ToolSummary {
  persona: string;
  name: string;
  activeVersion: number;
  language: Language;
  kind: ToolKind;
  description: string;
  capabilities: Capabilities;
  /** seq of its newest failure (any version, any depth), if any. */
  lastFailureSeq: number | null;
}

export interface CountBucket {
  persona: string;
  tool: string;
  /** The bucket's start as the timestamp prefix it groups by: `2026-12-06T09` (hour) or `2026-12-06` (day). */
  bucket: string;
  calls: number;
  failures: number;
}

export interface VersionStats {
  version: number;
  calls: number;
  failures: number;
  lastAt: string;
}

export interface LatencyPercentiles {
  persona: string;
  tool: string;
  calls: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface ConsoleQueries {
  /** Personas that have tools (live or deleted), in name order. */
  personas(): string[];
  /** Newest first, `limit` rows after `cursor` (exclusive); `next` is set when more may follow. */
  page(filter: ExecutionFilter, limit: number, cursor?: ExecutionCursor): { rows: LoggedExecution[]; next: ExecutionCursor | null };
  /** Rows written after `seq` that match, oldest first, at most `limit`. */
  after(filter: ExecutionFilter, seq: number, limit: number): LoggedExecution[];
  /** The largest seq in the log (0 when empty): changes whenever any process logs a call. */
  newestSeq(): number;
  bySeq(seqs: readonly number[]): Map<number, ExecutionRecord>;
  seqOf(id: string): number | null;
  tools(personas: readonly string[]): ToolSummary[];
  /** Calls (operation call, every depth) since `since`, per tool and bucket (`hour` or `day`). */
  buckets(personas: readonly string[], since: string, size: 'hour' | 'day'): CountBucket[];
  versionStats(persona: string, tool: string): VersionStats[];
  /** Nearest-rank percentiles of call durations since `since`, per tool. */
  latency(personas: readonly string[], since: string): LatencyPercentiles[];
}

const SELECT_ROWS = 'SELECT * FROM executions WHERE persona IN (SELECT value FROM json_each(@personas))';

/** The condition and parameters a filter adds, in a fixed order so equal filters give equal SQL. */
function conditions(filter: ExecutionFilter): { sql: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = { personas: JSON.stringify(filter.personas) };
  if (filter.tool !== undefined) {
    parts.push('tool_name = @tool');
    params['tool'] = filter.tool;
  }
  // Spelled out for FAILURE so that SQLite can use the partial indexes of failures (migration 2).
  if (filter.status === 'FAILURE') parts.push("status = 'FAILURE'");
  else if (filter.status !== undefined) {
    parts.push('status = @status');
    params['status'] = filter.status;
  }
  if (filter.kind !== undefined) {
    parts.push('error_kind = @kind');
    params['kind'] = filter.kind;
  }
  if (filter.version !== undefined) {
    parts.push('version = @version');
    params['version'] = filter.version;
  }
  if (filter.since !== undefined) {
    parts.push('timestamp >= @since');
    params['since'] = filter.since;
  }
  if (filter.until !== undefined) {
    parts.push('timestamp < @until');
    params['until'] = filter.until;
  }
  if (filter.text !== undefined && filter.text !== '') {
    parts.push("instr(lower(coalesce(error_message, '')), lower(@text)) > 0");
    params['text'] = filter.text;
  }
  if (filter.includeNested !== true) parts.push('parent_execution_id IS NULL');
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params };
}

type Row = ExecutionRow & { seq: number };

export function createConsoleQueries(db: Database.Database): ConsoleQueries {
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string): Database.Statement => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const logged = (row: Row): LoggedExecution => ({ seq: row.seq, record: executionFromRow(row) });
  const personaList = (personas: readonly string[]) => JSON.stringify(personas);

  const newestSeq = db.prepare<[], number | null>('SELECT MAX(seq) FROM executions').pluck();
  const seqOf = db.prepare<[string], number>('SELECT seq FROM executions WHERE id = ?').pluck();
  const personas = db.prepare<[], string>('SELECT DISTINCT persona FROM tools ORDER BY persona').pluck();
  const bySeq = db.prepare<{ seqs: string }, Row>('SELECT * FROM executions WHERE seq IN (SELECT value FROM json_each(@seqs))');
  const tools = db.prepare<{ personas: string }, Record<string, unknown>>(
    `SELECT t.persona, t.name, t.active_version, v.language, v.kind, v.description, v.capabilities_json,
            (SELECT e.seq FROM executions e
              WHERE e.persona = t.persona AND e.tool_name = t.name AND e.status = 'FAILURE'
              ORDER BY e.timestamp DESC LIMIT 1) AS last_failure_seq
       FROM tools t JOIN versions v ON v.tool_id = t.id AND v.version = t.active_version
      WHERE t.deleted_at IS NULL AND t.persona IN (SELECT value FROM json_each(@personas))
      ORDER BY t.persona, t.name`,
  );
  const buckets = db.prepare<{ personas: string; since: string; chars: number }, CountBucket>(
    `SELECT persona, tool_name AS tool, substr(timestamp, 1, @chars) AS bucket, COUNT(*) AS calls,
            SUM(status = 'FAILURE') AS failures
       FROM executions
      WHERE persona IN (SELECT value FROM json_each(@personas)) AND timestamp >= @since AND operation = 'call'
      GROUP BY persona, tool_name, bucket`,
  );
  const versionStats = db.prepare<{ persona: string; tool: string }, { version: number; calls: number; failures: number; last_at: string }>(
    `SELECT version, COUNT(*) AS calls, SUM(status = 'FAILURE') AS failures, MAX(timestamp) AS last_at
       FROM executions WHERE persona = @persona AND tool_name = @tool AND operation = 'call' AND version IS NOT NULL
      GROUP BY version ORDER BY version`,
  );
  // Nearest rank: the value at rank ceil(n * p / 100), with ceil done in integers.
  const latency = db.prepare<{ personas: string; since: string }, LatencyPercentiles>(
    `WITH ranked AS (
       SELECT persona, tool_name, duration_ms,
              ROW_NUMBER() OVER (PARTITION BY persona, tool_name ORDER BY duration_ms) AS rn,
              COUNT(*) OVER (PARTITION BY persona, tool_name) AS n
         FROM executions
        WHERE persona IN (SELECT value FROM json_each(@personas)) AND timestamp >= @since AND operation = 'call')
     SELECT persona, tool_name AS tool, n AS calls,
            MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN duration_ms END) AS p50,
            MAX(CASE WHEN rn = (n * 90 + 99) / 100 THEN duration_ms END) AS p90,
            MAX(CASE WHEN rn = (n * 99 + 99) / 100 THEN duration_ms END) AS p99,
            MAX(duration_ms) AS max
       FROM ranked GROUP BY persona, tool_name, n ORDER BY persona, tool_name`,
  );

  return {
    personas: guard('list the personas', () => personas.all()),
    page: guard('list the executions', (filter: ExecutionFilter, limit: number, cursor?: ExecutionCursor) => {
      const { sql, params } = conditions(filter);
      const after = cursor === undefined ? '' : ' AND (timestamp < @cursorTime OR (timestamp = @cursorTime AND seq < @cursorSeq))';
      if (cursor !== undefined) Object.assign(params, { cursorTime: cursor.timestamp, cursorSeq: cursor.seq });
      const rows = prepared(`${SELECT_ROWS}${sql}${after} ORDER BY timestamp DESC, seq DESC LIMIT @limit`).all({ ...params, limit: limit + 1 }) as Row[];
      const shown = rows.slice(0, limit);
      const last = shown[shown.length - 1];
      return { rows: shown.map(logged), next: rows.length > limit && last ? { timestamp: last.timestamp, seq: last.seq } : null };
    }),
    after: guard('list the new executions', (filter: ExecutionFilter, seq: number, limit: number) => {
      const { sql, params } = conditions(filter);
      return (prepared(`${SELECT_ROWS}${sql} AND seq > @afterSeq ORDER BY seq LIMIT @limit`).all({ ...params, afterSeq: seq, limit }) as Row[]).map(logged);
    }),
    newestSeq: guard('read the newest execution', () => newestSeq.get() ?? 0),
    bySeq: guard('read the executions', (seqs: readonly number[]) => {
      const found = new Map<number, ExecutionRecord>();
      if (seqs.length === 0) return found;
      for (const row of bySeq.all({ seqs: JSON.stringify(seqs) })) found.set(row.seq, executionFromRow(row));
      return found;
    }),
    seqOf: guard('find the execution', (id: string) => seqOf.get(id) ?? null),
    tools: guard('list the tools', (list: readonly string[]) =>
      tools.all({ personas: personaList(list) }).map((r) => ({
        persona: String(r['persona']),
        name: String(r['name']),
        activeVersion: Number(r['active_version']),
        language: r['language'] as Language,
        kind: r['kind'] as ToolKind,
        description: String(r['description']),
        capabilities: parseCapabilities(r['capabilities_json']),
        lastFailureSeq: r['last_failure_seq'] === null ? null : Number(r['last_failure_seq']),
      })),
    ),
    buckets: guard('count the calls', (list: readonly string[], since: string, size: 'hour' | 'day') =>
      buckets.all({ personas: personaList(list), since, chars: size === 'hour' ? 13 : 10 }),
    ),
    versionStats: guard('count the calls by version', (persona: string, tool: string) =>
      versionStats.all({ persona, tool }).map((r) => ({ version: r.version, calls: r.calls, failures: r.failures, lastAt: r.last_at })),
    ),
    latency: guard('measure the latencies', (list: readonly string[], since: string) => latency.all({ personas: personaList(list), since })),
  };
}

function parseCapabilities(text: unknown): Capabilities {
  if (typeof text !== 'string') return {};
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value) : {};
  } catch {
    return {};
  }
}
