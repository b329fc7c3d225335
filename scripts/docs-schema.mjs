#!/usr/bin/env node
// Writes docs/schema.md from the schema of a freshly migrated store (every migration run, then
// read back from sqlite_master and the table/index PRAGMAs) and the notes in
// scripts/docs-schema-notes.mjs. `npm run docs:schema` builds dist/ and runs this.
// test/integration/docs-schema.test.ts fails when docs/schema.md is not what this writes, when a
// column, index, trigger or table has no note (or a note names something that does not exist),
// and when a query in the notes no longer runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

import { INDEXES, QUERIES, TABLES, TRIGGERS } from './docs-schema-notes.mjs';
import { pgQueryProblems, renderPgQueries, renderPostgres } from './docs-schema-postgres.mjs';

export const TARGET = fileURLToPath(new URL('../docs/schema.md', import.meta.url));

/**
 * The schema as SQLite reports it after `openStore` (passed in: the test gives src/'s, the
 * command dist/'s) has migrated an empty file.
 */
export function readSchema(openStore) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-schema-'));
  try {
    const file = path.join(dir, 'schema.db');
    openStore(file, { backgroundCheckpoints: false }).close();
    const db = new Database(file, { readonly: true });
    try {
      return introspect(db);
    } finally {
      db.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Tables, columns, indexes and triggers of an open database, in a stable order. */
export function introspect(db) {
  const objects = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid").all();
  const tables = objects
    .filter((o) => o.type === 'table')
    .map((t) => ({
      name: t.name,
      sql: t.sql,
      columns: db.pragma(`table_info(${quote(t.name)})`).map((c) => ({ name: c.name, type: c.type, notNull: c.notnull === 1, default: c.dflt_value, primaryKey: c.pk > 0 })),
      indexes: db
        .pragma(`index_list(${quote(t.name)})`)
        .map((i) => ({
          name: i.name,
          unique: i.unique === 1,
          origin: i.origin,
          columns: db.pragma(`index_info(${quote(i.name)})`).map((c) => c.name),
          where: partialWhere(objects.find((o) => o.type === 'index' && o.name === i.name)?.sql),
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    }));
  // The notes' order (tools, versions, the log, kv), not creation order: a rebuilt table would move.
  const order = Object.keys(TABLES);
  const rank = (name) => (order.includes(name) ? order.indexOf(name) : order.length);
  tables.sort((a, b) => rank(a.name) - rank(b.name));
  const triggers = objects.filter((o) => o.type === 'trigger').map((t) => ({ name: t.name, table: t.tbl_name, sql: t.sql }));
  return { version: db.pragma('user_version', { simple: true }), tables, triggers };
}

/** A statement as SQLite keeps it, without the indentation it had inside migrations.ts. */
function dedent(sql) {
  const [first, ...rest] = sql.split('\n');
  const indents = rest.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)[0].length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return [first, ...rest.map((l) => '  ' + l.slice(cut))].join('\n').replace(/\n {2}\)/, '\n)');
}

/** What lacks a note, and which notes name nothing: both must be empty. */
export function noteProblems(schema) {
  const problems = [];
  const tableNames = new Set(schema.tables.map((t) => t.name));
  for (const table of schema.tables) {
    const notes = TABLES[table.name];
    if (!notes) {
      problems.push(`table ${table.name} has no note in TABLES`);
      continue;
    }
    if (!notes.about) problems.push(`table ${table.name} has no "about"`);
    if (!notes.changes) problems.push(`table ${table.name} has no "changes"`);
    const names = new Set(table.columns.map((c) => c.name));
    for (const column of names) if (!notes.columns[column]) problems.push(`column ${table.name}.${column} has no note`);
    for (const column of Object.keys(notes.columns)) if (!names.has(column)) problems.push(`note for ${table.name}.${column}, which does not exist`);
  }
  for (const name of Object.keys(TABLES)) if (!tableNames.has(name)) problems.push(`note for table ${name}, which does not exist`);
  const created = schema.tables.flatMap((t) => t.indexes.filter((i) => i.origin === 'c').map((i) => i.name));
  for (const name of created) if (!INDEXES[name]) problems.push(`index ${name} has no note in INDEXES`);
  for (const name of Object.keys(INDEXES)) if (!created.includes(name)) problems.push(`note for index ${name}, which does not exist`);
  const triggers = schema.triggers.map((t) => t.name);
  for (const name of triggers) if (!TRIGGERS[name]) problems.push(`trigger ${name} has no note in TRIGGERS`);
  for (const name of Object.keys(TRIGGERS)) if (!triggers.includes(name)) problems.push(`note for trigger ${name}, which does not exist`);
  problems.push(...pgQueryProblems());
  return problems;
}

/**
 * docs/schema.md for `schema` and the `migrations` list (src/store/migrations.ts MIGRATIONS), with
 * the PostgreSQL store's `pgMigrations` (src/store/postgres/migrations/index.ts PG_MIGRATIONS).
 */
export function render(schema, migrations, pgMigrations) {
  const out = [];
  const line = (text = '') => out.push(text);
  line('# The store: database schema reference');
  line();
  line('<!-- Generated by `npm run docs:schema` (scripts/docs-schema.mjs) from a freshly migrated store and the notes in');
  line('     scripts/docs-schema-notes.mjs. Do not edit this file: edit the notes, then run the command again.');
  line('     test/integration/docs-schema.test.ts fails when this file is stale or a column has no note. -->');
  line();
  line('> **Generated.** After a migration lands, add a note for each new column, index, trigger or table to');
  line('> `scripts/docs-schema-notes.mjs` and run `npm run docs:schema`: one command rewrites this page.');
  line();
  line(
    `Chameleon keeps everything in one store, by default a SQLite file (\`~/.chameleon/chameleon.db\`; \`--db FILE\` or \`CHAMELEON_DB\`): ` +
      `tools, every version of their code, the execution log and the tools' kv entries. This page describes SQLite schema version **${schema.version}**. ` +
      'Only `src/store/` opens the store. With `--db postgres://…` it is a PostgreSQL database instead, with the same tables and columns, types translated ' +
      `(PostgreSQL schema version **${pgMigrations.length}**): see [PostgreSQL](#postgresql). SQL tools' *datasources* are other databases, not described here.`,
  );
  line();
  line(
    'Tables: ' +
      schema.tables.map((t) => `[\`${t.name}\`](#${t.name})`).join(', ') +
      '. Then: [what is immutable](#what-is-immutable), [migrations](#migrations), [PostgreSQL](#postgresql), [querying the log with sqlite3](#querying-the-log-with-sqlite3), [with psql](#querying-the-log-with-psql).',
  );
  line();
  for (const table of schema.tables) renderTable(line, table, schema.triggers);
  renderImmutability(line, schema.tables);
  renderMigrations(line, schema.version, migrations);
  renderPostgres(line, pgMigrations);
  renderQueries(line);
  renderPgQueries(line);
  return out.join('\n');
}

function renderTable(line, table, triggers) {
  const notes = TABLES[table.name];
  line(`## ${table.name}`);
  line();
  line(notes.about);
  line();
  line('| column | type | null | default | description |');
  line('|---|---|---|---|---|');
  for (const c of table.columns) {
    const type = c.type + (c.primaryKey ? ' (primary key)' : '');
    line(`| \`${c.name}\` | ${type} | ${c.notNull || c.primaryKey ? 'NOT NULL' : 'NULL'} | ${c.default === null ? '' : `\`${c.default}\``} | ${cell(notes.columns[c.name])} |`);
  }
  line();
  if (table.indexes.length > 0) {
    line('| index | on | why |');
    line('|---|---|---|');
    for (const i of table.indexes) {
      const on = `(${i.columns.join(', ')})` + (i.where ? ` WHERE ${i.where}` : '');
      const why = i.origin === 'c' ? INDEXES[i.name] : i.origin === 'pk' ? 'The primary key.' : `SQLite's own index for the table's UNIQUE (${i.columns.join(', ')}); it also serves lookups by these columns.`;
      line(`| ${i.origin === 'c' ? `\`${i.name}\`` : `(${i.origin === 'pk' ? 'primary key' : 'unique constraint'})`} | \`${on}\` | ${cell(why)} |`);
    }
    line();
  }
  const own = triggers.filter((t) => t.table === table.name);
  if (own.length > 0) {
    line('| trigger | what it does |');
    line('|---|---|');
    for (const t of own) line(`| \`${t.name}\` | ${cell(TRIGGERS[t.name])} |`);
    line();
  }
  line('<details><summary>CREATE statement, as SQLite keeps it</summary>');
  line();
  line('```sql');
  line(dedent(table.sql));
  line('```');
  line();
  line('</details>');
  line();
}

function renderImmutability(line, tables) {
  line('## What is immutable');
  line();
  line('What Chameleon ever does to a row after inserting it (checked by the test against every UPDATE and DELETE in `src/store/`):');
  line();
  line('| table | updated | deleted |');
  line('|---|---|---|');
  for (const t of tables) {
    const { update, delete: del } = TABLES[t.name].changes;
    line(`| \`${t.name}\` | ${update ? cell(update) : '**never**'} | ${del ? cell(del) : '**never**'} |`);
  }
  line();
  line(
    'Versions and log rows are never edited: an update, edit or rollback writes a new version (`hash` lets a reader prove a row was not changed behind Chameleon\'s back), ' +
      'and a log row only ever goes whole, by retention. To trim the log, set `retention` in the config (the server prunes in the background, a batch per short transaction) ' +
      'or run `chameleon logs prune --max-age-days N` (`--dry-run` says how many rows would go) rather than a hand-written DELETE, which would also take each tool\'s last failure and hold the write lock for as long as it runs. Pruning frees pages for new rows; `VACUUM;` afterwards, with the server stopped and as much free disk space as the database takes, gives the space back to the disk. ' +
      'Never edit `versions` or `tools` by hand: a version whose hash no longer matches is refused when it is read.',
  );
  line();
}

function renderMigrations(line, version, migrations) {
  line('## Migrations');
  line();
  line(
    'The schema is a numbered list of migrations in [`src/store/migrations.ts`](../src/store/migrations.ts); a shipped migration is never edited, a change is a new one. ' +
      '`PRAGMA user_version` holds the number of the last one applied. Opening a store ([`src/store/index.ts`](../src/store/index.ts) `openStore`) applies the missing ones in order, all in **one IMMEDIATE transaction**: ' +
      'two processes opening the same file at once cannot both migrate it, and a migration that fails leaves the file as it was. ' +
      'A migration that rebuilds a table (SQLite cannot change a CHECK in place) runs with foreign-key enforcement off, as SQLite\'s own procedure requires, and checks every foreign key (`PRAGMA foreign_key_check`) before it commits.',
  );
  line();
  line('A file whose `user_version` is higher than this build knows is refused, and nothing is changed:');
  line();
  line('```text');
  line(`The database FILE has schema version N, but this build of Chameleon only knows up to version ${version}. Upgrade Chameleon or point it at another database file.`);
  line('```');
  line();
  line(
    'Every connection ([`src/store/connection.ts`](../src/store/connection.ts)) sets `journal_mode = WAL` (readers never block the writer; a commit is one append), `synchronous = NORMAL` (crash-safe with WAL; only the last commits can be lost on power failure), ' +
      '`foreign_keys = ON` and a 5 s `busy_timeout` for one-shot commands. The server itself waits for another process\'s write lock on timers instead, up to `store.lockWaitMs` ([`src/store/lock-wait.ts`](../src/store/lock-wait.ts)). Tables are STRICT: a value of the wrong type is an error, not a silent conversion.',
  );
  line();
  line('| # | what it did |');
  line('|---|---|');
  for (const m of migrations) line(`| ${m.version} | ${cell(m.description)}${m.rebuildsTables ? ' (rebuilds a table)' : ''} |`);
  line();
}

function renderQueries(line) {
  line('## Querying the log with sqlite3');
  line();
  line(
    'Open the file read-only while the server runs: in WAL mode a reader never blocks it. ' +
      '`sqlite3 -readonly -box ~/.chameleon/chameleon.db` (sqlite3 3.37 or later reads STRICT tables). Each query below runs in the test against a store that real calls filled, so they stay correct as the schema moves. ' +
      "Replace `'default'` with your persona and the tool names with yours. `chameleon logs` and `chameleon kv` show the same data formatted.",
  );
  line();
  for (const q of QUERIES) {
    line(`### ${q.title}`);
    line();
    if (q.note) {
      line(q.note);
      line();
    }
    line('```sql');
    line(q.sql);
    line('```');
    line();
  }
}

function partialWhere(sql) {
  const match = sql ? /\bWHERE\s+(.+)$/is.exec(sql) : null;
  return match ? match[1].trim() : null;
}

const quote = (name) => `"${name.replaceAll('"', '""')}"`;
const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const { openStore } = await import('../dist/store/index.js');
  const { MIGRATIONS } = await import('../dist/store/migrations.js');
  const { PG_MIGRATIONS } = await import('../dist/store/postgres/migrations/index.js');
  const schema = readSchema(openStore);
  const problems = noteProblems(schema);
  if (problems.length > 0) {
    console.error(`scripts/docs-schema-notes.mjs needs notes:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  fs.mkdirSync(path.dirname(TARGET), { recursive: true });
  fs.writeFileSync(TARGET, render(schema, MIGRATIONS, PG_MIGRATIONS));
  console.error(`wrote ${path.relative(process.cwd(), TARGET)} (schema version ${schema.version})`);
}
