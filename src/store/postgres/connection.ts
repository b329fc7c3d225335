/**
 * Connecting the store to PostgreSQL: the `--db postgres://user@host:port/db` URL, where its
 * password comes from, the pool, and what a failed connection says. A connection that cannot be
 * made is the operator's to fix (a server that is down, a wrong password, a database never
 * created), so each of those gets a message that names the URL (without its password) and the
 * setting to change; docs/troubleshooting.md quotes them.
 */
import pg from 'pg';

import { AppError } from '../../errors.js';

/** Connections per store (per replica): calls log concurrently, tool writes are few. */
export const DEFAULT_POOL_SIZE = 10;
/** How long opening a connection may take before it counts as failed. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Longer than any statement of the store takes (a retention batch, a migration), far shorter than for ever. */
const QUERY_TIMEOUT_MS = 30_000;

export interface PostgresTarget {
  /** The URL as given, password included: only ever handed to the driver. */
  url: string;
  /** The URL without its password, fit to print (StoreContract.location). */
  location: string;
  /** `host:port`, for messages. */
  address: string;
  database: string;
  user: string;
  /** From the URL; undefined when it has none (then `password` of openPool decides). */
  passwordInUrl: string | undefined;
}

/** Whether `db` (a --db value) names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** Parses a `postgres://user[:password]@host[:port]/database` URL; INVALID_CONFIG when it is not one. */
export function parsePostgresUrl(url: string): PostgresTarget {
  const invalid = (why: string) =>
    new AppError('INVALID_CONFIG', `--db ${redact(url)} is not a usable PostgreSQL URL: ${why}. Write it as postgres://user@host:port/database (the password from PGPASSWORD or the config's store.password).`);
  if (!isPostgresUrl(url) || !URL.canParse(url)) throw invalid('it does not parse as a URL');
  const parsed = new URL(url);
  if (parsed.hostname === '') throw invalid('it names no host');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw invalid('it names no database (the path after the host)');
  const user = decodeURIComponent(parsed.username);
  if (user === '') throw invalid('it names no user (user@ before the host)');
  const password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  const port = parsed.port === '' ? '5432' : parsed.port;
  return { url, location: redact(url), address: `${parsed.hostname}:${port}`, database, user, passwordInUrl: password };
}

/** `url` with `password` in it (percent-encoded: the driver decodes it). */
function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** `url` with its password (if any) removed. */
export function redact(url: string): string {
  // A URL that does not parse may hold a password with a bare ':', '/' or '@': drop everything
  // up to the last '@' (over-cutting a path that holds one is the safe way to be wrong).
  if (!URL.canParse(url)) return url.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/i, '$1');
  const parsed = new URL(url);
  if (parsed.password === '') return url;
  parsed.password = '';
  return parsed.toString();
}

/**
 * The password to connect with, first found: in the URL, in the environment's PGPASSWORD (as
 * libpq and psql read it), in the config's `store.password` (`{ env }` or `{ secret }`). Undefined
 * when none: the server may trust the connection (peer, trust, a client certificate).
 */
export function resolvePassword(
  target: PostgresTarget,
  sources: {
    env: Readonly<Record<string, string | undefined>>;
    configured?: { env: string } | { secret: string } | undefined;
    secretValue?: (name: string) => string | undefined;
  },
): string | undefined {
  if (target.passwordInUrl !== undefined) return target.passwordInUrl;
  const fromEnv = sources.env['PGPASSWORD'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const configured = sources.configured;
  if (configured === undefined) return undefined;
  const value = 'env' in configured ? sources.env[configured.env] : sources.secretValue?.(configured.secret);
  if (value === undefined || value === '') {
    const where = 'env' in configured ? `the environment variable ${configured.env}` : `the secret ${configured.secret} (its env variable)`;
    throw new AppError('INVALID_CONFIG', `store.password names ${where}, which has no value. Set it in the server's environment, or remove store.password.`);
  }
  return value;
}

export interface PoolOptions {
  password?: string | undefined;
  poolSize?: number | undefined;
  /** Told of an idle connection that failed (the server restarted, the network dropped). */
  onIdleError?: (error: Error) => void;
}

/**
 * int8 (bigint: ids, count(*)) as a JS number rather than pg's default string: ids and counts
 * of this store stay far below 2^53.
 */
const INT8_OID = 20;
export const storeTypes = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return (pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown)(oid, format);
  },
};

/**
 * The client settings of every connection of the store (the pool's and the LISTEN client's).
 * A password found elsewhere than in the URL goes into the URL handed to the driver: pg lets what
 * it parses from `connectionString` (an empty password, for a URL without one) override a
 * separate `password` setting, which would then never be sent.
 */
export function clientConfig(target: PostgresTarget, options: PoolOptions): pg.ClientConfig {
  return {
    connectionString: options.password === undefined || target.passwordInUrl !== undefined ? target.url : withPassword(target.url, options.password),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // A server that stops answering must not hold a call past its deadline, or close() for ever.
    query_timeout: QUERY_TIMEOUT_MS,
    application_name: 'chameleon',
    types: storeTypes,
  };
}

/** A pool, not yet connected; `checkConnection` makes the first connection and explains a failure. */
export function openPool(target: PostgresTarget, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(target, options), max: options.poolSize ?? DEFAULT_POOL_SIZE, idleTimeoutMillis: 30_000 });
  // An idle connection that the server drops emits here; unhandled, it would end the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  return pool;
}

/** Connects once, so that a server that is down or refuses us fails at start, not at the first call. */
export async function checkConnection(pool: pg.Pool, target: PostgresTarget): Promise<void> {
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    throw connectionFailure(target, error);
  }
}

/**
 * STORE_FAILURE saying why a connection to `target` could not be made and what to change. Other
 * faults (a query that failed on a good connection) are left to the guard of each store.
 */
export function connectionFailure(target: PostgresTarget, error: unknown): AppError {
  const code = codeOf(error);
  const detail = error instanceof Error && error.message !== '' ? error.message : String(error);
  const where = `PostgreSQL at ${target.location}`;
  const say = (what: string, fix: string) => new AppError('STORE_FAILURE', `Cannot connect to ${where}: ${what}. ${fix}`, { cause: error });
  switch (code) {
    case 'ECONNREFUSED':
      return say(
        `the connection was refused at ${target.address} (ECONNREFUSED): no PostgreSQL server is listening there`,
        'Start the server (pg_ctl start, systemctl start postgresql), check its port and listen_addresses, or correct the host and port in --db.',
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return say(`the host in ${target.address} could not be resolved (${code})`, 'Correct the host name in --db, or check DNS.');
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return say(`${target.address} could not be reached (${code})`, 'Check the network path and firewall to the database server, or correct the host in --db.');
    case '28P01':
      return say(
        `password authentication failed for user ${target.user} (28P01)`,
        'Give the right password: in the URL, in the PGPASSWORD environment variable, or with store.password in the config ({ "env": NAME } or { "secret": NAME }).',
      );
    case '28000':
      return say(
        `the server refused user ${target.user} (28000): ${detail}`,
        'Allow this user, host and database in the server\'s pg_hba.conf, or connect as a role that exists and may log in (the user in --db).',
      );
    case '3D000':
      return say(
        `database ${target.database} does not exist (3D000)`,
        `Create it (createdb ${target.database}, or CREATE DATABASE ${target.database} OWNER ${target.user}), or correct the database name in --db. Chameleon creates its tables, not the database.`,
      );
    case '57P03':
      return say('the server is starting up or shutting down (57P03)', 'Retry in a few seconds, once the server accepts connections.');
    case '53300':
      return say('the server has no connection slot left (53300)', 'Raise max_connections on the server, or lower the pool size (store.poolSize) or the number of replicas.');
    default:
      break;
  }
  // pg raises these before asking the server when the server wants a password and none was given.
  if (/client password must be a string|SASL|password authentication/i.test(detail)) {
    return say(
      `the server asks for a password for user ${target.user} and none was given (${detail})`,
      'Give one: in the URL, in the PGPASSWORD environment variable, or with store.password in the config ({ "env": NAME } or { "secret": NAME }).',
    );
  }
  if (/timeout/i.test(detail)) {
    return say(`no answer from ${target.address} within ${CONNECT_TIMEOUT_MS / 1000} s (${detail})`, 'Check that the server is up and reachable from this machine, or correct the host and port in --db.');
  }
  return say(`${detail}${code === null ? '' : ` (${code})`}`, 'Check that the server is up, that the URL in --db is right, and the server log.');
}

/** SQLSTATE or errno; Node 20 wraps a refused dual-stack connect in an AggregateError with one code per attempt. */
function codeOf(error: unknown): string | null {
  if (error === null || typeof error !== 'object') return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner)) for (const e of inner) if (codeOf(e) !== null) return codeOf(e);
  return null;
}
