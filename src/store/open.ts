/**
 * Opens the store a `--db` value names, behind the one contract (contract.ts): a SQLite file,
 * or a PostgreSQL database by URL. The server, the service and the CLI open stores only here.
 */
import type { StoreContract } from './contract.js';
import { openStore, type StoreOptions } from './index.js';
import { isPostgresUrl, refuseOtherUrl, urlRefused } from './location.js';
import { sqliteContract } from './sqlite-contract.js';

/** What a store is opened with; the SQLite store reads all of it, PostgreSQL what applies. */
export type OpenStoreOptions = StoreOptions;

/**
 * Opens (creating if needed) and migrates the store at `db`. Rejects with INVALID_ARGUMENT for
 * a URL of another database, and with STORE_FAILURE when the store cannot be opened.
 */
export function openStoreAt(db: string, options: OpenStoreOptions = {}): Promise<StoreContract> {
  try {
    if (isPostgresUrl(db)) {
      // The PostgreSQL store plugs in here: openPostgresStore(db, options) (src/store/postgres/index.ts).
      throw urlRefused(db.slice(0, db.indexOf(':')));
    }
    refuseOtherUrl(db);
    return Promise.resolve(sqliteContract(openStore(db, options)));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
