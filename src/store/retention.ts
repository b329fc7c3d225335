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
  /**
   * What `policy` deletes as of `now`, per persona: one pass's worth, worked out once (the
   * bounds need a walk of each persona's newest rows) and then pruned batch by batch. Rows
   * written after it are newer than its bounds, so it stays right for the whole pass.
   */
  bounds(policy: RetentionPolicy, now: Date): PruneBound[];
  /** What pruning to `bounds` would delete, per persona (personas with nothing to delete absent). */
  plan(bounds: readonly PruneBound[]): Map<string, number>;
  /** Deletes up to `batch` rows beyond `bounds`, oldest first, in one transaction. Returns how many. */
  pruneBatch(bounds: readonly PruneBound[], batch: number): number;
}

/** The newest row to delete, in (timestamp, seq) order; `seq` -1 means "every row before `timestamp`". */
interface Bound {
  timestamp: string;
  seq: number;
}

/** One persona's bound and the failures it keeps (JSON array of seqs). */
export interface PruneBound extends Bound {
  persona: string;
  kept: string;
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

  return {
    bounds: guard('read the execution log', (policy, now) =>
      personas.all().flatMap((persona) => {
        const b = bound(persona, policy, now);
        return b === null ? [] : [{ persona, timestamp: b.timestamp, seq: b.seq, kept: JSON.stringify(kept.all({ persona })) }];
      }),
    ),
    plan: guard('plan pruning the execution log', (bounds) => {
      const rows = new Map<string, number>();
      for (const params of bounds) {
        const n = count.get(params) ?? 0;
        if (n > 0) rows.set(params.persona, n);
      }
      return rows;
    }),
    pruneBatch: guard('prune the execution log', (bounds, batch) => {
      beforeWrite();
      let deleted = 0;
      db.transaction(() => {
        for (const params of bounds) {
          if (deleted >= batch) break;
          deleted += remove.run({ ...params, batch: batch - deleted }).changes;
        }
      })();
      if (deleted > 0) afterWrite();
      return deleted;
    }),
  };
}
