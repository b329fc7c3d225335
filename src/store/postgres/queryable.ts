/**
 * What the log's stores need of the driver: a pool to query and to borrow a client from for a
 * transaction. pg.Pool fits; index.ts (pgtools) passes the one pool of the store.
 */
import type pg from 'pg';

export type PgPool = Pick<pg.Pool, 'query' | 'connect'>;

/**
 * Runs `fn` in one transaction on a client of its own: COMMIT when it resolves, ROLLBACK when it
 * throws (and the client is dropped, not returned, when even the ROLLBACK fails: its connection
 * is in an unknown state). Never retried, unlike the tool store's transaction.ts: a log row that
 * fails (a duplicate id) would fail again, and the namespace locks rule out deadlocks.
 */
export async function inLogTransaction<T>(pool: PgPool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
