// The PostgreSQL sections of docs/schema.md (scripts/docs-schema.mjs calls these), from the
// notes in docs-schema-postgres-notes.mjs and the list of PostgreSQL migrations. They are written
// without a PostgreSQL server: test/integration/postgres-schema-drift.test.ts checks on a real one
// that what they say (the same columns, the types, the differences) is true.
import { POSTGRES, POSTGRES_NOTES, PG_QUERIES } from './docs-schema-postgres-notes.mjs';
import { QUERIES } from './docs-schema-notes.mjs';

const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');

/** `## PostgreSQL`: how its schema relates to the SQLite one above, and its migrations. */
export function renderPostgres(line, pgMigrations) {
  line('## PostgreSQL');
  line();
  line(
    'With `--db postgres://user@host:port/database` ([configuration](configuration.md#the-postgresql-store)) the store is a PostgreSQL database with **the same tables and columns** (by name), with the same ' +
      'nullability and defaults, so every description above holds there too: what each column means, what is immutable, what retention deletes. Only the types are translated, and the few differences below are deliberate. ' +
      '[`test/integration/postgres-schema-drift.test.ts`](../test/integration/postgres-schema-drift.test.ts) migrates a fresh database and a fresh SQLite file and fails on any other difference (information_schema against PRAGMA table_info).',
  );
  line();
  line('| SQLite | PostgreSQL |');
  line('|---|---|');
  for (const [sqlite, pg] of Object.entries(POSTGRES.types)) line(`| \`${sqlite}\` | ${pg.map((t) => `\`${t}\``).join(' or ')} |`);
  line();
  line('| only in PostgreSQL, or different there | why |');
  line('|---|---|');
  for (const [column, why] of Object.entries(POSTGRES.generated)) line(`| \`${column}\` | ${cell(why)} (SQLite: the rowid, an \`INTEGER PRIMARY KEY\`). |`);
  for (const [table, why] of Object.entries(POSTGRES.tables)) line(`| table \`${table}\` | ${cell(why)} |`);
  for (const [fn, why] of Object.entries(POSTGRES.functions)) line(`| function \`${fn}()\` | ${cell(why)} |`);
  for (const [index, extra] of Object.entries(POSTGRES.indexSuffix)) line(`| index \`${index}\` | Ends with \`${extra.join(', ')}\`: newest first is a backward index walk with no sort, ties included. |`);
  line();
  for (const note of POSTGRES_NOTES) line(`- ${note}`);
  line();
  line(
    'The PostgreSQL migrations are numbered files in [`src/store/postgres/migrations/`](../src/store/postgres/migrations/) (their own numbering: the first ones create the final SQLite schema at once). ' +
      'Every replica applies the missing ones when it starts, in **one transaction holding `pg_advisory_xact_lock`** on a fixed key, so two replicas starting together cannot both migrate; ' +
      'each applied one gets a row in `schema_migrations`. A database that records a version this build does not know is refused, and nothing is changed ([the message](troubleshooting.md#the-postgresql-store-cannot-be-opened)). ' +
      'The role in `--db` needs the right to create tables the first time (and after an upgrade that adds some); afterwards SELECT, INSERT, UPDATE and DELETE on the tables and USAGE on their sequences suffice.',
  );
  line();
  line('| # | what it did |');
  line('|---|---|');
  for (const m of pgMigrations) line(`| ${m.version} | ${cell(m.name)} |`);
  line();
}

/** `## Querying the log with psql`: the queries of the sqlite3 section, for PostgreSQL. */
export function renderPgQueries(line) {
  line('## Querying the log with psql');
  line();
  line(
    'The same queries for a PostgreSQL store, in the same order: `psql "postgres://user@host:port/database"`. Readers never block the servers (MVCC); ' +
      'a role granted only SELECT on the tables, or `SET default_transaction_read_only = on;` first, keeps a session from writing by mistake. ' +
      'Each runs in the test against a PostgreSQL store that the same calls filled, and gives the rows its SQLite version gives.',
  );
  line();
  for (const q of QUERIES) {
    line(`### ${q.title} (psql)`);
    line();
    line('```sql');
    line(PG_QUERIES[q.id]);
    line('```');
    line();
  }
}

/** What lacks a psql version, and which psql versions match no query: both must be empty. */
export function pgQueryProblems() {
  const ids = QUERIES.map((q) => q.id);
  return [
    ...ids.filter((id) => !(id in PG_QUERIES)).map((id) => `query ${id} has no psql version in PG_QUERIES`),
    ...Object.keys(PG_QUERIES)
      .filter((id) => !ids.includes(id))
      .map((id) => `psql version ${id} matches no query in QUERIES`),
  ];
}
