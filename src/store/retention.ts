/**
 * Pruning the execution log (config `retention`, `chameleon logs prune`): rows older than an
 * age, or beyond a number of rows per persona, are deleted oldest first, in small batches, each
 * its own short transaction, so a server on the same file keeps writing its log rows between
 * them. Tool versions are never touched, and each tool's newest failure (and each persona's
 * newest failure of a call an agent made) is kept, so `get_last_error` still answers.
 *
 * A nested call (ctx.tools) starts after its root, so pruning by time may delete a root a
 * moment before its children; `get_execution` of such a child still works, its tree is partial.
 */
import type Database from 'better-sqlite3';

import { guard } from './guard.js';

export interface RetentionPolicy {
  /** Rows that started more than this many days ago go. */
  maxAgeDays?: number;
  /** Only the newest this many rows of each persona stay. */
  maxRowsPerPersona?: number;
}

export interface RetentionStore {
  /** What pruning now would delete, per persona (personas with nothing to delete absent). */
  plan(policy: RetentionPolicy, now: Date): Map<string, number>;
  /** Deletes up to `batch` rows the policy no longer keeps, oldest first, in one transaction. Returns how many. */
  pruneBatch(policy: RetentionPolicy, now: Date, batch: number): number;
}

/** The newest row to delete, in (timestamp, seq) order; `seq` -1 means "every row before `timestamp`". */
interface Bound {
  timestamp: string;
  seq: number;
}

const DAY_MS = 86_400_000;

export function createRetentionStore(db: Database.Database, afterWrite: () => void, beforeWrite: () => void): RetentionStore {
  const personas = db.prepare<[], string>('SELECT DISTINCT persona FROM executions').pluck();
  // The row just past the newest `keep`: it and every older row are beyond the limit.
  const nthNewest = db.prepare<{ persona: string; keep: number }, Bound>(
    'SELECT timestamp, seq FROM executions WHERE persona = @persona ORDER BY timestamp DESC, seq DESC LIMIT 1 OFFSET @keep',
  );
  // Each tool's newest failure, and the newest failure of a root call, on the partial indexes
  // of failures (migration 2): what get_last_error answers from.
  const kept = db
    .prepare<{ persona: string }, number>(
      `SELECT (SELECT e.seq FROM executions e
                WHERE e.persona = @persona AND e.tool_name = f.tool_name AND e.status = 'FAILURE'
                ORDER BY e.timestamp DESC, e.seq DESC LIMIT 1)
         FROM (SELECT DISTINCT tool_name FROM executions WHERE persona = @persona AND status = 'FAILURE') f
       UNION
       SELECT * FROM (SELECT seq FROM executions
                       WHERE persona = @persona AND status = 'FAILURE' AND parent_execution_id IS NULL
                       ORDER BY timestamp DESC, seq DESC LIMIT 1)`,
    )
    .pluck();
  const candidates = `FROM executions
     WHERE persona = @persona AND timestamp <= @timestamp AND (timestamp < @timestamp OR seq <= @seq)
       AND seq NOT IN (SELECT value FROM json_each(@kept))`;
  const count = db.prepare<Bound & { persona: string; kept: string }, number>(`SELECT COUNT(*) ${candidates}`).pluck();
  const remove = db.prepare<Bound & { persona: string; kept: string; batch: number }>(
    `DELETE FROM executions WHERE seq IN (SELECT seq ${candidates} ORDER BY timestamp, seq LIMIT @batch)`,
  );

  function bound(persona: string, policy: RetentionPolicy, now: Date): Bound | null {
    const byAge: Bound | null = policy.maxAgeDays === undefined ? null : { timestamp: new Date(now.getTime() - policy.maxAgeDays * DAY_MS).toISOString(), seq: -1 };
    const byRows = policy.maxRowsPerPersona === undefined ? null : (nthNewest.get({ persona, keep: policy.maxRowsPerPersona }) ?? null);
    if (byAge === null || byRows === null) return byAge ?? byRows;
    // The later of the two bounds: every row before it goes under one rule or the other.
    return byRows.timestamp >= byAge.timestamp ? byRows : byAge;
  }

  function each(policy: RetentionPolicy, now: Date, fn: (params: Bound & { persona: string; kept: string }) => boolean | void): void {
    for (const persona of personas.all()) {
      const b = bound(persona, policy, now);
      if (b === null) continue;
      if (fn({ persona, timestamp: b.timestamp, seq: b.seq, kept: JSON.stringify(kept.all({ persona })) }) === true) return;
    }
  }

  return {
    plan: guard('plan pruning the execution log', (policy, now) => {
      const rows = new Map<string, number>();
      each(policy, now, (params) => {
        const n = count.get(params) ?? 0;
        if (n > 0) rows.set(params.persona, n);
      });
      return rows;
    }),
    pruneBatch: guard('prune the execution log', (policy, now, batch) => {
      beforeWrite();
      let deleted = 0;
      db.transaction(() => {
        each(policy, now, (params) => {
          deleted += remove.run({ ...params, batch: batch - deleted }).changes;
          return deleted >= batch;
        });
      })();
      if (deleted > 0) afterWrite();
      return deleted;
    }),
  };
}
