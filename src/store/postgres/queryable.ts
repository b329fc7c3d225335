/**
 * What the log's stores need of the driver: a pool to query and to borrow a client from for a
 * transaction. pg.Pool fits; index.ts (pgtools) passes the one pool of the store.
 */
import type pg from 'pg';

export type PgPool = Pick<pg.Pool, 'query' | 'connect'>;
