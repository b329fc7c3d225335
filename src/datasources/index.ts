/**
 * The host's datasources (config `datasources`), made when the engine starts and checked
 * then: a SQLite file must exist and must not be Chameleon's own database (its tables hold
 * every persona's tools, log and kv; a tool must never read them). Processes and connections
 * start on first use; the PostgreSQL client is loaded only when a PostgreSQL source is used.
 *
 * This folder and src/store/ are the only importers of better-sqlite3 (ESLint keeps it so):
 * the store owns Chameleon's database, this folder the host's databases, read-only.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isPostgresUrl } from '../store/location.js';
import { createSqliteSource } from './sqlite-source.js';
import type { Statement } from './statement.js';
import type { Datasource, QueryLimits } from './types.js';

export { analyseStatement, MAX_PARAMETERS, type Statement, type TextProblem } from './statement.js';
export { positionAt, type Dialect } from './sql-text.js';
export type { Datasource, Description, ParameterType, QueryResult, SqlError, SqlErrorKind } from './types.js';

export interface Datasources {
  get(name: string): Datasource | undefined;
  names(): string[];
  /** Stops every query process and closes every connection. */
  close(): Promise<void>;
}

export interface DatasourceOptions {
  logger: Logger;
  /** A secret's value (config `secrets`), for a password given as `{ secret }`. */
  secretValue: (name: string) => string | undefined;
  /** The server's environment, for a password given as `{ env }`. */
  env: Readonly<Record<string, string | undefined>>;
}

export function createDatasources(config: Pick<Config, 'datasources' | 'sql' | 'dbPath'>, options: DatasourceOptions): Datasources {
  const sources = new Map<string, Datasource>();
  for (const [name, entry] of Object.entries(config.datasources)) {
    if ('sqlite' in entry) {
      const file = path.resolve(entry.sqlite);
      assertUsableSqliteFile(name, file, config.dbPath);
      sources.set(name, createSqliteSource({ name, file, processes: config.sql.sqliteProcesses, logger: options.logger }));
    } else {
      assertNotTheStore(name, entry.postgres, config.dbPath);
      const password = entry.password === undefined ? undefined : 'env' in entry.password ? options.env[entry.password.env] : options.secretValue(entry.password.secret);
      if (entry.password !== undefined && (password === undefined || password === '')) {
        const where = 'env' in entry.password ? `the environment variable ${entry.password.env}` : `the secret ${entry.password.secret}`;
        options.logger.warn(`datasource ${name}: ${where} has no value; its connections will fail until it has`);
      }
      sources.set(name, lazyPostgres({ name, url: entry.postgres, ...(password ? { password } : {}), poolSize: config.sql.postgresPoolSize, logger: options.logger }));
    }
  }
  return {
    get: (name) => (Object.hasOwn(config.datasources, name) ? sources.get(name) : undefined),
    names: () => [...sources.keys()],
    close: async () => {
      await Promise.allSettled([...sources.values()].map((s) => s.close()));
    },
  };
}

/** The same database on the same server, as far as URLs tell: loopback names count as one host. */
function databaseOf(url: string): string | null {
  if (!isPostgresUrl(url) || !URL.canParse(url)) return null;
  const parsed = new URL(url);
  const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  return `${loopback ? 'loopback' : host}:${parsed.port || '5432'}/${decodeURIComponent(parsed.pathname.replace(/^\//, ''))}`;
}

/** Refuses a PostgreSQL datasource on the database the store itself lives in (--db postgres://…). */
function assertNotTheStore(name: string, url: string, dbPath: string): void {
  const store = databaseOf(dbPath);
  if (store === null || databaseOf(url) !== store) return;
  throw new AppError(
    'INVALID_CONFIG',
    `datasources.${name}: the database ${store.replace(/^loopback:/, 'localhost:')} is Chameleon's own (--db), whose tables hold every persona's tools, log and kv entries; tools may not read it. Point the datasource at another database.`,
  );
}

/** Refuses a missing file, a folder, and Chameleon's own database (under any path to it). */
function assertUsableSqliteFile(name: string, file: string, dbPath: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new AppError('INVALID_CONFIG', `datasources.${name}: the SQLite file ${file} cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'}); a datasource is opened read-only and never created. Point it at an existing database.`, { cause: error });
  }
  if (!stat.isFile()) throw new AppError('INVALID_CONFIG', `datasources.${name}: ${file} is not a file. Point it at a SQLite database file.`);
  const store = statOrNull(dbPath);
  if (store !== null && store.dev === stat.dev && store.ino === stat.ino) {
    throw new AppError('INVALID_CONFIG', `datasources.${name}: ${file} is Chameleon's own database (--db), whose tables hold every persona's tools, log and kv entries; tools may not read it. Point the datasource at another database.`);
  }
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

/** A PostgreSQL source whose client (pg, ~10 ms to load) is loaded on first use. */
function lazyPostgres(options: { name: string; url: string; password?: string; poolSize: number; logger: Logger }): Datasource {
  let made: Promise<Datasource> | null = null;
  const source = () => (made ??= import('./postgres-source.js').then((m) => m.createPostgresSource(options)));
  return {
    name: options.name,
    dialect: 'postgres',
    describe: async (statement: Statement, timeoutMs: number) => (await source()).describe(statement, timeoutMs),
    query: async (statement: Statement, values: Readonly<Record<string, unknown>>, limits: QueryLimits) => (await source()).query(statement, values, limits),
    close: async () => {
      if (made) await (await made).close();
    },
  };
}
