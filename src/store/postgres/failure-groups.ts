/**
 * Reads of the log by failure fingerprint on PostgreSQL: FailureGroupStore (../failure-groups.ts)
 * by promise. Every failure query says status = 'FAILURE' literally, for the partial indexes.
 */
import type { ExecutionRecord } from '../../model.js';
import type { Promised } from '../contract.js';
import type { FailureGroupQuery, FailureGroupStore } from '../failure-groups.js';
import { executionFromPgRow, ROW, type PgExecutionRow } from './execution-rows.js';
import { pgGuard } from './pg-guard.js';
import type { PgPool } from './queryable.js';

interface GroupSqlRow {
  tool_name: string;
  fingerprint: string;
  count: number;
  first_seen: string;
  last_seen: string;
  versions: Array<number | null>;
  sample_seq: string;
}

export function createPgFailureGroupStore(pool: PgPool): Promised<FailureGroupStore> {
  return {
    occurrences: pgGuard('count the occurrences of the failure', async (persona: string, toolName: string, fingerprint: string) => {
      const { rows } = await pool.query<{ version: number | null; count: number; first_at: string; last_at: string }>(
        `SELECT version, count(*)::int AS count, min(timestamp) AS first_at, max(timestamp) AS last_at FROM executions
          WHERE persona = $1 AND tool_name = $2 AND fingerprint = $3 AND status = 'FAILURE'
          GROUP BY version ORDER BY version NULLS FIRST`,
        [persona, toolName, fingerprint],
      );
      return rows.map((r) => ({ version: r.version, count: r.count, firstAt: r.first_at, lastAt: r.last_at }));
    }),
    groups: pgGuard('group the failures', async (persona: string, query: FailureGroupQuery) => {
      const values: unknown[] = [persona, query.since ?? '', query.limit];
      let filter = query.includeNested === true ? '' : ' AND parent_execution_id IS NULL';
      if (query.toolName !== undefined) {
        values.push(query.toolName);
        filter += ' AND tool_name = $4';
      }
      // The latest row of a group is the one with the highest seq: rows are inserted when
      // their call ends, so it is the latest logged, which is what "a sample" needs.
      const { rows } = await pool.query<GroupSqlRow>(
        `SELECT tool_name, fingerprint, count(*)::int AS count, min(timestamp) AS first_seen, max(timestamp) AS last_seen,
                array_agg(DISTINCT version) AS versions, max(seq) AS sample_seq
           FROM executions
          WHERE persona = $1 AND status = 'FAILURE' AND fingerprint IS NOT NULL AND timestamp >= $2${filter}
          GROUP BY tool_name, fingerprint
          ORDER BY last_seen DESC, sample_seq DESC LIMIT $3`,
        values,
      );
      if (rows.length === 0) return [];
      const samples = new Map<string, ExecutionRecord>();
      const found = await pool.query<PgExecutionRow & { seq: string }>(`SELECT seq, ${ROW} FROM executions WHERE seq = ANY ($1::bigint[])`, [rows.map((r) => r.sample_seq)]);
      for (const row of found.rows) samples.set(row.seq, executionFromPgRow(row));
      return rows.flatMap((r) => {
        const sample = samples.get(r.sample_seq);
        if (sample === undefined) return [];
        const versions = [...r.versions].sort((a, b) => (a ?? -1) - (b ?? -1));
        return [{ toolName: r.tool_name, fingerprint: r.fingerprint, count: r.count, firstSeen: r.first_seen, lastSeen: r.last_seen, versions, sample }];
      });
    }),
    versionStats: pgGuard('count the calls of the versions', async (persona: string, toolName: string, versions: readonly number[], since: string) => {
      // The tool's rows from `since` (the creation of the oldest version asked about), read
      // through (persona, tool_name, timestamp); no index has versions.
      const { rows } = await pool.query<{ version: number; calls: number; failures: number }>(
        `SELECT version, count(*)::int AS calls, (count(*) FILTER (WHERE status = 'FAILURE'))::int AS failures FROM executions
          WHERE persona = $1 AND tool_name = $2 AND timestamp >= $3 AND operation = 'call' AND version = ANY ($4::int[])
          GROUP BY version`,
        [persona, toolName, since, versions],
      );
      const counts = new Map(rows.map((r) => [r.version, r]));
      return Promise.all(
        versions.map(async (version) => {
          const figures = counts.get(version);
          let lastFailure: ExecutionRecord | null = null;
          if (figures !== undefined && figures.failures > 0) {
            const last = await pool.query<PgExecutionRow>(
              `SELECT ${ROW} FROM executions
                WHERE persona = $1 AND tool_name = $2 AND status = 'FAILURE' AND operation = 'call' AND version = $3
                ORDER BY timestamp DESC, seq DESC LIMIT 1`,
              [persona, toolName, version],
            );
            lastFailure = last.rows[0] === undefined ? null : executionFromPgRow(last.rows[0]);
          }
          return { version, calls: figures?.calls ?? 0, failures: figures?.failures ?? 0, lastFailure };
        }),
      );
    }),
  };
}
