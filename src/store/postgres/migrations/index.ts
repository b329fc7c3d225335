/**
 * The PostgreSQL schema, as a numbered list of migrations (one file each, never edited once
 * shipped: add one). ../migrate.ts applies those a database lacks, at start, in one transaction.
 */
import { toolsMigration } from './001-tools.js';
import { logMigration } from './002-log.js';

export interface PgMigration {
  /** 1, 2, 3, ... with no gaps: the row schema_migrations gets once it is applied. */
  version: number;
  name: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [toolsMigration, logMigration];

export const LATEST_PG_SCHEMA_VERSION = PG_MIGRATIONS.length;
