/**
 * Reads of the execution log by failure fingerprint (migration 9), and the per-version figures
 * a version diff shows. Every failure query says status = 'FAILURE' literally, so that SQLite
 * uses the partial indexes of failures (migrations 2 and 9).
 */
import type Database from 'better-sqlite3';

import type { ExecutionRecord } from '../model.js';
import { guard } from './guard.js';
import { executionFromRow, type ExecutionRow } from './rows.js';

/** One version's share of a fingerprint's occurrences; version null is refused code (create/update). */
export interface VersionOccurrences {
  version: number | null;
  count: number;
  /** ISO 8601 start of the first and the latest occurrence in that version. */
  firstAt: string;
  lastAt: string;
}

export interface FailureGroupQuery {
  toolName?: string;
  /** ISO 8601 (normalised); only failures at or after it are counted. */
  since?: string;
  /** Also failures of calls other tools made; default only those agents made. */
  includeNested?: boolean;
  /** Most recently seen groups first, at most this many. */
  limit: number;
}

export interface FailureGroupRow {
  toolName: string;
  fingerprint: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The versions it was seen in, ascending; null (refused code) first when present. */
  versions: Array<number | null>;
  /** The latest failure of the group, as logged. */
  sample: ExecutionRecord;
}

/** How one version fared: its calls (operation `call`, any depth), how many failed, its latest failure. */
export interface VersionCallStats {
  version: number;
  calls: number;
  failures: number;
  lastFailure: ExecutionRecord | null;
}

export interface FailureGroupStore {
  /** Where and when failures with `fingerprint` of one tool happened (any depth, refused code included), by version. */
  occurrences(persona: string, toolName: string, fingerprint: string): VersionOccurrences[];
  /** Fingerprinted failures grouped by (tool, fingerprint); rows logged before migration 9 have none and are left out. */
  groups(persona: string, query: FailureGroupQuery): FailureGroupRow[];
  /** Call figures of the given versions of one tool; `since` (ISO 8601): when the oldest of them was created. */
  versionStats(persona: string, toolName: string, versions: readonly number[], since: string): VersionCallStats[];
}

interface GroupParams {
  persona: string;
  since: string;
  limit: number;
  toolName?: string;
}

interface GroupSqlRow {
  tool_name: string;
  fingerprint: string;
  count: number;
  first_seen: string;
  last_seen: string;
  versions: string;
  sample_seq: number;
}

function prepare(db: Database.Database) {
  // The latest row of a group is the one with the highest seq (rowid): rows are inserted when
  // their call ends, so this is the latest logged, which is what "a sample" needs.
  const group = (filter: string) =>
    db.prepare<GroupParams, GroupSqlRow>(
      `SELECT tool_name, fingerprint, COUNT(*) AS count, MIN(timestamp) AS first_seen, MAX(timestamp) AS last_seen,
              json_group_array(DISTINCT version) AS versions, MAX(seq) AS sample_seq
         FROM executions
        WHERE persona = @persona AND status = 'FAILURE' AND fingerprint IS NOT NULL AND timestamp >= @since ${filter}
        GROUP BY tool_name, fingerprint
        ORDER BY last_seen DESC, sample_seq DESC LIMIT @limit`,
    );
  return {
    occurrences: db.prepare<{ persona: string; toolName: string; fingerprint: string }, { version: number | null; count: number; first_at: string; last_at: string }>(
      `SELECT version, COUNT(*) AS count, MIN(timestamp) AS first_at, MAX(timestamp) AS last_at FROM executions
        WHERE persona = @persona AND tool_name = @toolName AND fingerprint = @fingerprint AND status = 'FAILURE'
        GROUP BY version ORDER BY version`,
    ),
    groups: {
      all: group(''),
      roots: group('AND parent_execution_id IS NULL'),
      toolAll: group('AND tool_name = @toolName'),
      toolRoots: group('AND tool_name = @toolName AND parent_execution_id IS NULL'),
    },
    bySeq: db.prepare<{ seqs: string }, ExecutionRow>('SELECT * FROM executions WHERE seq IN (SELECT value FROM json_each(@seqs))'),
    // No index has versions (one on every row would cost each call's commit a WAL page): the
    // tool's rows are read through (persona, tool_name, timestamp) from @since, the creation
    // of the older version, before which none of its calls can have started. Measured on a
    // tool with 50,000 rows: ~40 ms from its first row; a diff of recent versions reads only
    // the rows since them.
    versionCalls: db.prepare<{ persona: string; toolName: string; versions: string; since: string }, { version: number; calls: number; failures: number }>(
      `SELECT version, COUNT(*) AS calls, SUM(status = 'FAILURE') AS failures FROM executions
        WHERE persona = @persona AND tool_name = @toolName AND timestamp >= @since AND operation = 'call'
          AND version IN (SELECT value FROM json_each(@versions))
        GROUP BY version`,
    ),
    lastFailureOf: db.prepare<{ persona: string; toolName: string; version: number }, ExecutionRow>(
      `SELECT * FROM executions WHERE persona = @persona AND tool_name = @toolName AND status = 'FAILURE' AND operation = 'call' AND version = @version
        ORDER BY timestamp DESC, seq DESC LIMIT 1`,
    ),
  };
}

export function createFailureGroupStore(db: Database.Database): FailureGroupStore {
  const s = prepare(db);
  return {
    occurrences: guard('count the occurrences of the failure', (persona: string, toolName: string, fingerprint: string) =>
      s.occurrences.all({ persona, toolName, fingerprint }).map((r) => ({ version: r.version, count: r.count, firstAt: r.first_at, lastAt: r.last_at })),
    ),
    groups: guard('group the failures', (persona: string, query: FailureGroupQuery) => {
      const params: GroupParams = { persona, since: query.since ?? '', limit: query.limit };
      const nested = query.includeNested === true;
      let rows: GroupSqlRow[];
      if (query.toolName === undefined) rows = (nested ? s.groups.all : s.groups.roots).all(params);
      else rows = (nested ? s.groups.toolAll : s.groups.toolRoots).all({ ...params, toolName: query.toolName });
      const samples = new Map<number, ExecutionRecord>();
      if (rows.length > 0) {
        for (const row of s.bySeq.all({ seqs: JSON.stringify(rows.map((r) => r.sample_seq)) })) samples.set((row as ExecutionRow & { seq: number }).seq, executionFromRow(row));
      }
      return rows.flatMap((r) => {
        const sample = samples.get(r.sample_seq);
        if (sample === undefined) return [];
        const versions = (JSON.parse(r.versions) as Array<number | null>).sort((a, b) => (a ?? -1) - (b ?? -1));
        return [{ toolName: r.tool_name, fingerprint: r.fingerprint, count: r.count, firstSeen: r.first_seen, lastSeen: r.last_seen, versions, sample }];
      });
    }),
    versionStats: guard('count the calls of the versions', (persona: string, toolName: string, versions: readonly number[], since: string) => {
      const counts = new Map(s.versionCalls.all({ persona, toolName, versions: JSON.stringify(versions), since }).map((r) => [r.version, r]));
      return versions.map((version) => {
        const last = counts.get(version)?.failures ? s.lastFailureOf.get({ persona, toolName, version }) : undefined;
        return { version, calls: counts.get(version)?.calls ?? 0, failures: counts.get(version)?.failures ?? 0, lastFailure: last === undefined ? null : executionFromRow(last) };
      });
    }),
  };
}
