/**
 * The PostgreSQL store's schema against the SQLite store's (issue 19): what a freshly migrated
 * PostgreSQL database has (information_schema, pg_indexes, pg_trigger), what a freshly migrated
 * SQLite file has (PRAGMA table_info, index_list, sqlite_master: scripts/docs-schema.mjs reads
 * it), and every difference between the two that scripts/docs-schema-postgres-notes.mjs POSTGRES
 * does not list as intended.
 */
import type pg from 'pg';

export interface SqliteSchema {
  tables: Array<{
    name: string;
    columns: Array<{ name: string; type: string; notNull: boolean; default: string | null; primaryKey: boolean }>;
    indexes: Array<{ name: string; origin: string; columns: string[]; where: string | null }>;
  }>;
  triggers: Array<{ name: string; table: string }>;
}

export interface PgSchema {
  tables: Map<string, Array<{ name: string; type: string; notNull: boolean; default: string | null; identity: boolean }>>;
  /** Index name -> its table and key columns, and whether it is partial. */
  indexes: Map<string, { table: string; columns: string[]; partial: boolean }>;
  /** Table -> the names of its own (not internal) triggers. */
  triggers: Map<string, string[]>;
  functions: string[];
}

export interface IntendedDifferences {
  types: Record<string, string[]>;
  generated: Record<string, string>;
  tables: Record<string, string>;
  functions: Record<string, string>;
  indexSuffix: Record<string, string[]>;
}

/** The schema of the database `client` is connected to (schema public). */
export async function readPgSchema(client: pg.Client): Promise<PgSchema> {
  const columns = await client.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null; is_identity: string }>(
    `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default, c.is_identity
       FROM information_schema.columns AS c JOIN information_schema.tables AS t USING (table_schema, table_name)
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const tables = new Map<string, Array<{ name: string; type: string; notNull: boolean; default: string | null; identity: boolean }>>();
  for (const c of columns.rows) {
    const list = tables.get(c.table_name) ?? [];
    list.push({ name: c.column_name, type: c.data_type, notNull: c.is_nullable === 'NO', default: c.column_default, identity: c.is_identity === 'YES' });
    tables.set(c.table_name, list);
  }
  const indexRows = await client.query<{ name: string; table: string; columns: string[]; partial: boolean; constraint: boolean }>(
    `SELECT i.relname AS name, t.relname AS table,
            array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
                    JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns,
            x.indpred IS NOT NULL AS partial,
            EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.oid) AS constraint
       FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid JOIN pg_class AS t ON t.oid = x.indrelid
       JOIN pg_namespace AS n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public'`,
  );
  // Indexes a migration created by name; those of PRIMARY KEY and UNIQUE constraints are implied by the columns.
  const indexes = new Map(indexRows.rows.filter((r) => !r.constraint).map((r) => [r.name, { table: r.table, columns: r.columns, partial: r.partial }]));
  const triggerRows = await client.query<{ table: string; name: string }>(
    `SELECT c.relname AS table, g.tgname AS name FROM pg_trigger AS g JOIN pg_class AS c ON c.oid = g.tgrelid
       JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT g.tgisinternal ORDER BY g.tgname`,
  );
  const triggers = new Map<string, string[]>();
  for (const t of triggerRows.rows) triggers.set(t.table, [...(triggers.get(t.table) ?? []), t.name]);
  const functions = await client.query<{ name: string }>(
    `SELECT p.proname AS name FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY p.proname`,
  );
  return { tables, indexes, triggers, functions: functions.rows.map((r) => r.name) };
}

/** A default as text to compare: PostgreSQL writes `'tool'::text` where SQLite keeps `'tool'`. */
const normalDefault = (value: string | null): string | null => (value === null ? null : value.replace(/::[a-z ]+$/, ''));

/** Every difference between the two schemas that `intended` does not list; empty when they agree. */
export function schemaDrift(sqlite: SqliteSchema, postgres: PgSchema, intended: IntendedDifferences): string[] {
  const problems: string[] = [];
  const sqliteTables = new Set(sqlite.tables.map((t) => t.name));
  for (const name of postgres.tables.keys()) if (!sqliteTables.has(name) && !(name in intended.tables)) problems.push(`table ${name} is only in PostgreSQL`);
  for (const name of Object.keys(intended.tables)) if (!postgres.tables.has(name)) problems.push(`table ${name}, listed as PostgreSQL's own, does not exist there`);
  for (const table of sqlite.tables) {
    const pgColumns = postgres.tables.get(table.name);
    if (pgColumns === undefined) {
      problems.push(`table ${table.name} is only in SQLite`);
      continue;
    }
    const sqliteNames = table.columns.map((c) => c.name);
    const pgNames = pgColumns.map((c) => c.name);
    for (const name of sqliteNames) if (!pgNames.includes(name)) problems.push(`column ${table.name}.${name} is only in SQLite`);
    for (const name of pgNames) if (!sqliteNames.includes(name)) problems.push(`column ${table.name}.${name} is only in PostgreSQL`);
    // By name, not position: every statement of both stores names its columns (versions has
    // strict_types and diagnostics_json in the other order on PostgreSQL).
    for (const column of table.columns) {
      const other = pgColumns.find((c) => c.name === column.name);
      if (other === undefined) continue;
      const at = `${table.name}.${column.name}`;
      const types = intended.types[column.type] ?? [];
      if (!types.includes(other.type)) problems.push(`column ${at}: SQLite ${column.type} is PostgreSQL ${other.type}, not ${types.join(' or ') || '(no translation listed)'}`);
      if ((column.notNull || column.primaryKey) !== other.notNull) problems.push(`column ${at}: ${other.notNull ? 'NOT NULL only in PostgreSQL' : 'NOT NULL only in SQLite'}`);
      const generated = other.identity || (other.default?.startsWith('nextval(') ?? false);
      if (at in intended.generated) {
        if (!generated || !column.primaryKey) problems.push(`column ${at} is listed as generated by PostgreSQL (in place of SQLite's rowid), but is not`);
      } else if (generated) {
        problems.push(`column ${at} is generated by PostgreSQL (identity or sequence), and not listed as such`);
      } else if (normalDefault(other.default) !== column.default) {
        problems.push(`column ${at}: default ${String(column.default)} in SQLite, ${String(other.default)} in PostgreSQL`);
      }
    }
  }
  for (const at of Object.keys(intended.generated)) {
    const [table, column] = at.split('.') as [string, string];
    if (!postgres.tables.get(table)?.some((c) => c.name === column)) problems.push(`column ${at}, listed as generated, does not exist in PostgreSQL`);
  }

  const sqliteIndexes = sqlite.tables.flatMap((t) => t.indexes.filter((i) => i.origin === 'c').map((i) => ({ ...i, table: t.name })));
  for (const index of sqliteIndexes) {
    const other = postgres.indexes.get(index.name);
    if (other === undefined) {
      problems.push(`index ${index.name} is only in SQLite`);
      continue;
    }
    const expected = [...index.columns, ...(intended.indexSuffix[index.name] ?? [])];
    if (other.table !== index.table || other.columns.join() !== expected.join()) problems.push(`index ${index.name}: SQLite ${index.table} (${expected.join(', ')}), PostgreSQL ${other.table} (${other.columns.join(', ')})`);
    if (other.partial !== (index.where !== null)) problems.push(`index ${index.name} is partial in ${other.partial ? 'PostgreSQL' : 'SQLite'} only`);
  }
  for (const name of postgres.indexes.keys()) if (!sqliteIndexes.some((i) => i.name === name)) problems.push(`index ${name} is only in PostgreSQL`);

  const names = (list: string[]) => [...list].sort().join(', ');
  for (const table of new Set([...sqlite.triggers.map((t) => t.table), ...postgres.triggers.keys()])) {
    const mine = names(sqlite.triggers.filter((t) => t.table === table).map((t) => t.name));
    const theirs = names(postgres.triggers.get(table) ?? []);
    if (mine !== theirs) problems.push(`triggers on ${table}: SQLite ${mine || 'none'}, PostgreSQL ${theirs || 'none'}`);
  }
  if (names(postgres.functions) !== names(Object.keys(intended.functions))) problems.push(`functions in PostgreSQL: ${names(postgres.functions) || 'none'}, listed: ${names(Object.keys(intended.functions)) || 'none'}`);
  return problems;
}
