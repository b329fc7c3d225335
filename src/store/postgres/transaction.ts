/**
 * One transaction on a client of its own, retried when PostgreSQL says another transaction got
 * in the way: a unique violation (23505: two writers made the same tool, or numbered the same
 * version, at once), a serialization failure (40001) or a deadlock (40P01). The retried
 * transaction reads again what the other committed, so the second creator of a tool is told it
 * exists, and a version is numbered after the one that won. Work must be safe to repeat: it may
 * only touch the database (and NOTIFY, which is sent at COMMIT only).
 */
import type pg from 'pg';

const RETRYABLE = new Set(['23505', '40001', '40P01']);
/** Attempts in all; each failed one means another writer committed, so few are ever needed. */
const ATTEMPTS = 5;

export type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * `retry: false` runs `work` once: the log's writes, where a failure (a duplicate id) would only
 * fail again and the kv namespace locks are taken in one order, so no deadlock is retried.
 */
export async function inTransaction<T>(pool: Pick<pg.Pool, 'connect'>, work: (client: Queryable) => Promise<T>, options: { retry?: boolean } = {}): Promise<T> {
  const attempts = options.retry === false ? 1 : ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const value = await work(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      // A client whose ROLLBACK fails is in an unknown state: it is dropped, not pooled.
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      if (attempt < attempts && RETRYABLE.has(sqlState(error))) {
        // A little jitter, so that writers who collided do not collide again in step.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
        continue;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

function sqlState(error: unknown): string {
  const code = error !== null && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}
