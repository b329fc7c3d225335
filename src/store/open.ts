/**
 * Opens the store a `--db` value names, behind the one contract (contract.ts): a SQLite file,
 * or a PostgreSQL database by URL. The server, the service and the CLI open stores only here.
 */
import type { StoreContract } from './contract.js';
import { openStore, type StoreOptions } from './index.js';
import { isPostgresUrl, refuseOtherUrl } from './location.js';
import { sqliteContract } from './sqlite-contract.js';

/** How a PostgreSQL store finds its password and sizes its pool (config `store.*`). */
export interface PostgresOpenOptions {
  /** The environment PGPASSWORD is read from. */
  env: Readonly<Record<string, string | undefined>>;
  /** Config `store.password`: `{ env }` or `{ secret }`. */
  password?: { env: string } | { secret: string } | undefined;
  /** A secret's value by name (config `secrets`), for `store.password: { secret }`. */
  secretValue?: (name: string) => string | undefined;
  poolSize?: number | undefined;
  /** Faults nobody awaits: an idle connection dropped, the change listener reconnecting. */
  onBackgroundError?: (message: string, error: unknown) => void;
}

/** What a store is opened with; the SQLite store reads StoreOptions, PostgreSQL `postgres` and the clock and quotas. */
export type OpenStoreOptions = StoreOptions & { postgres?: PostgresOpenOptions };

/**
 * Opens (creating if needed) and migrates the store at `db`. Rejects with INVALID_ARGUMENT for
 * a URL of another database, and with STORE_FAILURE when the store cannot be opened.
 */
export async function openStoreAt(db: string, options: OpenStoreOptions = {}): Promise<StoreContract> {
  if (isPostgresUrl(db)) {
    // Loaded only for a PostgreSQL URL: the embedded default never loads the driver.
    const pg = await import('./postgres/index.js');
    const settings = options.postgres ?? { env: {} };
    const password = pg.resolvePassword(pg.parsePostgresUrl(db), { env: settings.env, configured: settings.password, secretValue: settings.secretValue });
    return pg.openPostgresStore(db, {
      password,
      poolSize: settings.poolSize,
      ...(options.now ? { now: options.now } : {}),
      ...(options.kvQuotas ? { kvQuotas: options.kvQuotas } : {}),
      ...(settings.onBackgroundError ? { onBackgroundError: settings.onBackgroundError } : {}),
    });
  }
  refuseOtherUrl(db);
  return sqliteContract(openStore(db, options));
}
