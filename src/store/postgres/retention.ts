/**
 * Pruning the execution log on PostgreSQL: RetentionStore (../retention.ts, whose documentation
 * holds the rules) by promise. Rows go oldest first, by primary key, in small batches, each one
 * short transaction that locks only the rows it deletes: inserts (which never wait on old rows)
 * and reads go on meanwhile. SKIP LOCKED lets two replicas prune at once without queueing on each
 * other's rows. Tool versions are never touched, and each tool's newest failure (and each
 * persona's newest failure of a call an agent made) is kept.
 */
import type { Promised } from '../contract.js';
import type { PruneBound, RetentionPolicy, RetentionStore } from '../retention.js';
import { pgGuard } from './pg-guard.js';
import type { PgPool } from './queryable.js';
import { inTransaction } from './transaction.js';

const DAY_MS = 86_400_000;

interface Bound {
  timestamp: string;
  seq: number;
}

/** The rows `bound` deletes ($1 persona, $2 timestamp, $3 seq, $4 kept seqs). */
const CANDIDATES = `FROM executions
  WHERE persona = $1 AND timestamp <= $2 AND (timestamp < $2 OR seq <= $3) AND seq <> ALL ($4::bigint[])`;

export function createPgRetentionStore(pool: PgPool): Promised<RetentionStore> {
  /** Each persona once, by a walk of the (persona, timestamp, seq) index (PostgreSQL has no skip scan for DISTINCT). */
  async function personas(): Promise<string[]> {
    const { rows } = await pool.query<{ persona: string }>(
      `WITH RECURSIVE p (persona) AS (
         (SELECT persona FROM executions ORDER BY persona LIMIT 1)
         UNION ALL
         SELECT (SELECT e.persona FROM executions e WHERE e.persona > p.persona ORDER BY e.persona LIMIT 1) FROM p WHERE p.persona IS NOT NULL)
       SELECT persona FROM p WHERE persona IS NOT NULL`,
    );
    return rows.map((r) => r.persona);
  }

  async function bound(persona: string, policy: RetentionPolicy, now: Date): Promise<Bound | null> {
    const byAge: Bound | null = policy.maxAgeDays === undefined ? null : { timestamp: new Date(now.getTime() - policy.maxAgeDays * DAY_MS).toISOString(), seq: -1 };
    let byRows: Bound | null = null;
    if (policy.maxRowsPerPersona !== undefined) {
      // The row just past the newest `keep`: it and every older row are beyond the limit.
      const { rows } = await pool.query<{ timestamp: string; seq: string }>(
        'SELECT timestamp, seq FROM executions WHERE persona = $1 ORDER BY timestamp DESC, seq DESC LIMIT 1 OFFSET $2',
        [persona, policy.maxRowsPerPersona],
      );
      byRows = rows[0] === undefined ? null : { timestamp: rows[0].timestamp, seq: Number(rows[0].seq) };
    }
    if (byAge === null || byRows === null) return byAge ?? byRows;
    // The later of the two bounds: every row before it goes under one rule or the other.
    return byRows.timestamp >= byAge.timestamp ? byRows : byAge;
  }

  /** Each tool's newest failure, and the newest failure of a root call: what get_last_error answers from. */
  async function kept(persona: string): Promise<number[]> {
    const { rows } = await pool.query<{ seq: string }>(
      `SELECT seq FROM (SELECT DISTINCT ON (tool_name) seq FROM executions
                          WHERE persona = $1 AND status = 'FAILURE' ORDER BY tool_name, timestamp DESC, seq DESC) per_tool
       UNION
       SELECT seq FROM (SELECT seq FROM executions
                          WHERE persona = $1 AND status = 'FAILURE' AND parent_execution_id IS NULL
                          ORDER BY timestamp DESC, seq DESC LIMIT 1) root`,
      [persona],
    );
    return rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
  }

  const params = (b: PruneBound): unknown[] => [b.persona, b.timestamp, b.seq, JSON.parse(b.kept) as number[]];

  return {
    bounds: pgGuard('read the execution log', async (policy: RetentionPolicy, now: Date) => {
      const result: PruneBound[] = [];
      for (const persona of await personas()) {
        const b = await bound(persona, policy, now);
        if (b !== null) result.push({ persona, timestamp: b.timestamp, seq: b.seq, kept: JSON.stringify(await kept(persona)) });
      }
      return result;
    }),
    plan: pgGuard('plan pruning the execution log', async (bounds: readonly PruneBound[]) => {
      const rows = new Map<string, number>();
      for (const b of bounds) {
        const { rows: counted } = await pool.query<{ n: string }>(`SELECT count(*) AS n ${CANDIDATES}`, params(b));
        const n = Number(counted[0]?.n ?? 0);
        if (n > 0) rows.set(b.persona, n);
      }
      return rows;
    }),
    pruneBatch: pgGuard('prune the execution log', (bounds: readonly PruneBound[], batch: number) =>
      inTransaction(
        pool,
        async (client) => {
        let deleted = 0;
        for (const b of bounds) {
          if (deleted >= batch) break;
          const result = await client.query(
            `DELETE FROM executions WHERE seq IN (SELECT seq ${CANDIDATES} ORDER BY timestamp, seq LIMIT $5 FOR UPDATE SKIP LOCKED)`,
            [...params(b), batch - deleted],
          );
          deleted += result.rowCount ?? 0;
        }
        return deleted;
        },
        { retry: false },
      ),
    ),
  };
}
