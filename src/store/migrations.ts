/**
 * The schema, as a numbered list of migrations. `PRAGMA user_version` records the last one
 * applied; opening a store applies the rest in one IMMEDIATE transaction, so two processes
 * opening the same file at once cannot both migrate it. Never edit a shipped migration: add one.
 */
import type Database from 'better-sqlite3';

import { AppError } from '../errors.js';

export interface Migration {
  /** 1, 2, 3, ... with no gaps; the value `user_version` holds once it is applied. */
  version: number;
  description: string;
  sql: string;
  /**
   * Rebuilds a table that others reference (SQLite cannot alter a CHECK in place). Runs with
   * foreign-key enforcement off, as SQLite's own procedure for this requires (DROP TABLE of a
   * referenced table would otherwise count every reference as broken), and checks every
   * foreign key before it commits.
   */
  rebuildsTables?: true;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'tools, versions and the execution log',
    // STRICT tables reject values of the wrong type instead of silently converting them.
    // tools(id, active_version) -> versions(tool_id, version) is checked at COMMIT (deferred),
    // so a tool can never end up pointing at a version that does not exist, yet the tool row
    // and its first version can be inserted in either order inside one transaction.
    sql: `
      CREATE TABLE tools (
        id             INTEGER PRIMARY KEY,
        persona        TEXT    NOT NULL,
        name           TEXT    NOT NULL,
        active_version INTEGER NOT NULL,
        created_at     TEXT    NOT NULL,
        updated_at     TEXT    NOT NULL,
        deleted_at     TEXT,
        UNIQUE (persona, name),
        FOREIGN KEY (id, active_version) REFERENCES versions (tool_id, version)
          DEFERRABLE INITIALLY DEFERRED
      ) STRICT;

      CREATE TABLE versions (
        id                  INTEGER PRIMARY KEY,
        tool_id             INTEGER NOT NULL REFERENCES tools (id) DEFERRABLE INITIALLY DEFERRED,
        version             INTEGER NOT NULL CHECK (version >= 1),
        language            TEXT    NOT NULL CHECK (language IN ('typescript', 'javascript')),
        description         TEXT    NOT NULL,
        input_schema        TEXT    NOT NULL,
        timeout_ms          INTEGER NOT NULL,
        memory_mb           INTEGER NOT NULL,
        source              TEXT    NOT NULL,
        compiled_js         TEXT    NOT NULL,
        source_map          TEXT    NOT NULL,
        hash                TEXT    NOT NULL,
        origin_kind         TEXT    NOT NULL CHECK (origin_kind IN ('create', 'update', 'rollback')),
        origin_from_version INTEGER,
        created_at          TEXT    NOT NULL,
        UNIQUE (tool_id, version),
        CHECK ((origin_kind = 'rollback') = (origin_from_version IS NOT NULL))
      ) STRICT;

      -- No CHECK constraints here: the log must accept whatever a call produced.
      -- seq is the rowid: it breaks ties between rows with the same timestamp.
      CREATE TABLE executions (
        seq             INTEGER PRIMARY KEY,
        id              TEXT    NOT NULL UNIQUE,
        timestamp       TEXT    NOT NULL,
        persona         TEXT    NOT NULL,
        tool_name       TEXT    NOT NULL,
        operation       TEXT    NOT NULL,
        version         INTEGER,
        hash            TEXT,
        arguments_json  TEXT    NOT NULL,
        status          TEXT    NOT NULL,
        error_kind      TEXT,
        error_name      TEXT,
        error_message   TEXT,
        result_summary  TEXT,
        frames_json     TEXT,
        raw_stack       TEXT,
        code_frame      TEXT,
        console_output  TEXT    NOT NULL,
        duration_ms     REAL    NOT NULL,
        cpu_ms          REAL,
        heap_used_bytes INTEGER
      ) STRICT;

      CREATE INDEX executions_by_tool   ON executions (persona, tool_name, timestamp);
      CREATE INDEX executions_by_status ON executions (persona, status, timestamp);
      -- For the unfiltered "newest first" listing of one persona.
      CREATE INDEX executions_by_time   ON executions (persona, timestamp);
    `,
  },
  {
    version: 2,
    description: 'index only the failures by status, not every log row',
    // Every log row is a commit, and each index it touches adds a ~4 KB page to the WAL
    // (~6 pages a row with four indexes). Rows are looked up by status only to find failures
    // (get_last_error, list_executions status=FAILURE); a SUCCESS filter reads the time or tool
    // index and skips the rare failures. So a successful call now touches one index fewer
    // (~20% fewer WAL pages a row), and a failure is indexed for both kinds of lookup. Queries
    // must say status = 'FAILURE' literally for SQLite to use these (executions.ts does).
    sql: `
      DROP INDEX executions_by_status;
      CREATE INDEX executions_failures         ON executions (persona, timestamp)            WHERE status = 'FAILURE';
      CREATE INDEX executions_failures_by_tool ON executions (persona, tool_name, timestamp) WHERE status = 'FAILURE';
    `,
  },
  {
    version: 3,
    description: 'keep what a failure says beyond its frames: thrown value, properties, cause, members',
    // JSON text (model.ts FailureFacts), NULL for successes and for failures with nothing more
    // to say. Rows written before this migration read as NULL.
    sql: `
      ALTER TABLE executions ADD COLUMN error_facts_json TEXT;
    `,
  },
  {
    version: 4,
    description: 'capabilities of a version, effects of a call, and the kv store with its usage',
    // capabilities_json: the version's capabilities manifest (JSON), NULL = none.
    // effects_json: what the call did outside itself (model.ts Effect[]), NULL = nothing.
    //
    // kv is a rowid table with a unique index, not WITHOUT ROWID keyed by (persona, namespace,
    // key): a WITHOUT ROWID row lives in an index b-tree, which keeps at most ~1 KB of a row on
    // its page and spills the rest to overflow pages. Measured with 20,000 entries of 1 KB
    // values: the file was 3.3x larger, a 100-key list 3x slower and a get 3x slower than here,
    // where list reads only the (persona, namespace, key) index.
    //
    // kv_usage holds each namespace's key count and bytes, kept by triggers in the same
    // transaction as the change, so a quota check reads one row instead of summing the
    // namespace (~0.4 ms at 10,000 keys, even from a covering index); the triggers add
    // ~0.4 us per write. An upsert fires the UPDATE trigger; a namespace's row goes with its
    // last key. bytes = UTF-8 bytes of key + value_json (model.ts KvQuotas).
    sql: `
      ALTER TABLE versions ADD COLUMN capabilities_json TEXT;
      ALTER TABLE executions ADD COLUMN effects_json TEXT;

      CREATE TABLE kv (
        id           INTEGER PRIMARY KEY,
        persona      TEXT    NOT NULL,
        namespace    TEXT    NOT NULL,
        key          TEXT    NOT NULL,
        value_json   TEXT    NOT NULL,
        bytes        INTEGER NOT NULL,
        updated_at   TEXT    NOT NULL,
        execution_id TEXT    NOT NULL,
        UNIQUE (persona, namespace, key)
      ) STRICT;

      CREATE TABLE kv_usage (
        persona   TEXT    NOT NULL,
        namespace TEXT    NOT NULL,
        keys      INTEGER NOT NULL,
        bytes     INTEGER NOT NULL,
        PRIMARY KEY (persona, namespace)
      ) STRICT, WITHOUT ROWID;

      CREATE TRIGGER kv_usage_after_insert AFTER INSERT ON kv BEGIN
        INSERT INTO kv_usage (persona, namespace, keys, bytes) VALUES (NEW.persona, NEW.namespace, 1, NEW.bytes)
          ON CONFLICT (persona, namespace) DO UPDATE SET keys = keys + 1, bytes = bytes + excluded.bytes;
      END;
      CREATE TRIGGER kv_usage_after_update AFTER UPDATE OF bytes ON kv BEGIN
        UPDATE kv_usage SET bytes = bytes - OLD.bytes + NEW.bytes WHERE persona = NEW.persona AND namespace = NEW.namespace;
      END;
      CREATE TRIGGER kv_usage_after_delete AFTER DELETE ON kv BEGIN
        UPDATE kv_usage SET keys = keys - 1, bytes = bytes - OLD.bytes WHERE persona = OLD.persona AND namespace = OLD.namespace;
        DELETE FROM kv_usage WHERE persona = OLD.persona AND namespace = OLD.namespace AND keys = 0;
      END;
    `,
  },
  {
    version: 5,
    description: 'libraries and the libraries and packages a version bundled (issue 15)',
    // kind: 'library' for code that other tools import and nobody calls; every older version is
    // a tool. dependencies_json: the version's pinned Dependency[] (model.ts), NULL = none, so
    // that an importer's row says which library versions and package versions its compiled
    // code holds. Both are in the version's hash only when they differ from these defaults.
    sql: `
      ALTER TABLE versions ADD COLUMN kind TEXT NOT NULL DEFAULT 'tool' CHECK (kind IN ('tool', 'library'));
      ALTER TABLE versions ADD COLUMN dependencies_json TEXT;
    `,
  },
  {
    version: 6,
    description: 'calls made by other tools: their parent and root executions',
    // NULL on a call an agent made (the root of a tree), so a root row, which is nearly every
    // row, touches neither index: each is partial, and costs a WAL page only for nested rows
    // (migration 2 says why that matters). root_execution_id gives a whole tree in one range
    // read; a root's own row is found by its id.
    sql: `
      ALTER TABLE executions ADD COLUMN parent_execution_id TEXT;
      ALTER TABLE executions ADD COLUMN root_execution_id TEXT;
      CREATE INDEX executions_by_root ON executions (root_execution_id) WHERE root_execution_id IS NOT NULL;
    `,
  },
  {
    version: 7,
    description: 'SQL tools: language sql and the datasource a version queries',
    // SQLite cannot change a CHECK constraint in place, so versions is rebuilt: a new table
    // with the wider CHECK and the datasource column, every row copied with its id (tools
    // reference versions by (tool_id, version), which the UNIQUE keeps), the old table dropped
    // and the new one renamed into its place. SQLite's "making other kinds of table schema
    // changes" procedure: foreign keys off meanwhile (rebuildsTables), then checked.
    // datasource: the datasource a SQL tool queries, and only a SQL tool has one; a SQL tool is
    // never a library and bundles nothing.
    rebuildsTables: true,
    sql: `
      CREATE TABLE versions_new (
        id                  INTEGER PRIMARY KEY,
        tool_id             INTEGER NOT NULL REFERENCES tools (id) DEFERRABLE INITIALLY DEFERRED,
        version             INTEGER NOT NULL CHECK (version >= 1),
        language            TEXT    NOT NULL CHECK (language IN ('typescript', 'javascript', 'sql')),
        description         TEXT    NOT NULL,
        input_schema        TEXT    NOT NULL,
        timeout_ms          INTEGER NOT NULL,
        memory_mb           INTEGER NOT NULL,
        source              TEXT    NOT NULL,
        compiled_js         TEXT    NOT NULL,
        source_map          TEXT    NOT NULL,
        hash                TEXT    NOT NULL,
        origin_kind         TEXT    NOT NULL CHECK (origin_kind IN ('create', 'update', 'rollback')),
        origin_from_version INTEGER,
        created_at          TEXT    NOT NULL,
        capabilities_json   TEXT,
        kind                TEXT    NOT NULL DEFAULT 'tool' CHECK (kind IN ('tool', 'library')),
        dependencies_json   TEXT,
        datasource          TEXT,
        UNIQUE (tool_id, version),
        CHECK ((origin_kind = 'rollback') = (origin_from_version IS NOT NULL)),
        CHECK ((language = 'sql') = (datasource IS NOT NULL)),
        CHECK (language <> 'sql' OR (kind = 'tool' AND dependencies_json IS NULL))
      ) STRICT;

      INSERT INTO versions_new (id, tool_id, version, language, description, input_schema, timeout_ms, memory_mb,
                                source, compiled_js, source_map, hash, origin_kind, origin_from_version, created_at,
                                capabilities_json, kind, dependencies_json)
        SELECT id, tool_id, version, language, description, input_schema, timeout_ms, memory_mb,
               source, compiled_js, source_map, hash, origin_kind, origin_from_version, created_at,
               capabilities_json, kind, dependencies_json
          FROM versions;

      DROP TABLE versions;
      ALTER TABLE versions_new RENAME TO versions;
    `,
  },
  {
    version: 8,
    description: 'the regression gate (issue 17): declared tests, replay_safe, the gate report, forced, and origin edit',
    // origin_kind gains 'edit' (versions made by edit_tool), and a CHECK cannot change in place:
    // versions is rebuilt as in migration 7. tests_json: the version's declared tests (model.ts
    // ToolTest[]), NULL = none; replay_safe: 1 when the agent said its side effects may be
    // replayed. Both are in the version's hash when set (hash.ts). gate_json: the gate's report
    // (model.ts GateReport) when an update or edit ran it, NULL otherwise; forced: 1 when the
    // version went live past failing cases. Neither is in the hash: they say what happened to
    // the version, not what it does. A version refused by the gate is saved with a report and
    // never made active (tools.active_version no longer is always the highest version).
    rebuildsTables: true,
    sql: `
      CREATE TABLE versions_new (
        id                  INTEGER PRIMARY KEY,
        tool_id             INTEGER NOT NULL REFERENCES tools (id) DEFERRABLE INITIALLY DEFERRED,
        version             INTEGER NOT NULL CHECK (version >= 1),
        language            TEXT    NOT NULL CHECK (language IN ('typescript', 'javascript', 'sql')),
        description         TEXT    NOT NULL,
        input_schema        TEXT    NOT NULL,
        timeout_ms          INTEGER NOT NULL,
        memory_mb           INTEGER NOT NULL,
        source              TEXT    NOT NULL,
        compiled_js         TEXT    NOT NULL,
        source_map          TEXT    NOT NULL,
        hash                TEXT    NOT NULL,
        origin_kind         TEXT    NOT NULL CHECK (origin_kind IN ('create', 'update', 'edit', 'rollback')),
        origin_from_version INTEGER,
        created_at          TEXT    NOT NULL,
        capabilities_json   TEXT,
        kind                TEXT    NOT NULL DEFAULT 'tool' CHECK (kind IN ('tool', 'library')),
        dependencies_json   TEXT,
        datasource          TEXT,
        tests_json          TEXT,
        replay_safe         INTEGER NOT NULL DEFAULT 0 CHECK (replay_safe IN (0, 1)),
        gate_json           TEXT,
        forced              INTEGER NOT NULL DEFAULT 0 CHECK (forced IN (0, 1)),
        UNIQUE (tool_id, version),
        CHECK ((origin_kind = 'rollback') = (origin_from_version IS NOT NULL)),
        CHECK ((language = 'sql') = (datasource IS NOT NULL)),
        CHECK (language <> 'sql' OR (kind = 'tool' AND dependencies_json IS NULL)),
        CHECK (forced = 0 OR gate_json IS NOT NULL)
      ) STRICT;

      INSERT INTO versions_new (id, tool_id, version, language, description, input_schema, timeout_ms, memory_mb,
                                source, compiled_js, source_map, hash, origin_kind, origin_from_version, created_at,
                                capabilities_json, kind, dependencies_json, datasource)
        SELECT id, tool_id, version, language, description, input_schema, timeout_ms, memory_mb,
               source, compiled_js, source_map, hash, origin_kind, origin_from_version, created_at,
               capabilities_json, kind, dependencies_json, datasource
          FROM versions;

      DROP TABLE versions;
      ALTER TABLE versions_new RENAME TO versions;
    `,
  },
  {
    version: 9,
    description: 'failure fingerprints: the same bug recognised across versions (issue 17, item 5)',
    // fingerprint: traceback/fingerprint.ts, set on FAILURE rows when they are written. Rows
    // logged before this migration keep NULL: computing theirs would need each version's
    // source and the normalisation in JavaScript, for failures that are history; they are
    // simply not grouped. The index is partial, like migration 2's, so a successful call's
    // row touches no new index page; it answers "how often was this seen" for one tool and
    // groups one tool's failures without reading them.
    sql: `
      ALTER TABLE executions ADD COLUMN fingerprint TEXT;
      CREATE INDEX executions_failures_by_fingerprint ON executions (persona, tool_name, fingerprint) WHERE status = 'FAILURE';
    `,
  },
  {
    version: 10,
    description: 'type diagnostics of a version, and whether it opted into strict types (issue 17, item 1)',
    // diagnostics_json: what the TypeScript checker said about the version's source (JSON of
    // TypeDiagnostic[], src/typecheck/types.ts), NULL when it said nothing or did not run
    // (JavaScript, SQL, a checker that did not answer). Written after the version is saved
    // (the check never delays it) and outside its hash: it describes the code, it is not code.
    // strict_types: 1 when error diagnostics refuse the save; in the hash only then.
    sql: `
      ALTER TABLE versions ADD COLUMN diagnostics_json TEXT;
      ALTER TABLE versions ADD COLUMN strict_types INTEGER NOT NULL DEFAULT 0 CHECK (strict_types IN (0, 1));
    `,
  },
  {
    version: 11,
    description: 'how many times a call called ctx.progress (issue 17)',
    // NULL when it never did, which is nearly every row: a NULL in the last column costs the
    // row no byte (SQLite's record format leaves trailing NULLs out).
    sql: `
      ALTER TABLE executions ADD COLUMN progress_calls INTEGER;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database up to LATEST_SCHEMA_VERSION; a no-op when it is already there. */
export function migrate(db: Database.Database): void {
  const apply = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > LATEST_SCHEMA_VERSION) {
      throw new AppError(
        'STORE_FAILURE',
        `The database ${db.name} has schema version ${current}, but this build of Chameleon ` +
          `only knows up to version ${LATEST_SCHEMA_VERSION}. Upgrade Chameleon or point it at another database file.`,
      );
    }
    let rebuilt = false;
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      rebuilt ||= migration.rebuildsTables === true;
      // PRAGMA takes no bound parameters; the value is a constant integer from the list above.
      db.pragma(`user_version = ${migration.version}`);
    }
    if (rebuilt) {
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new AppError('STORE_FAILURE', `Migrating ${db.name} would break ${broken.length} references between its tables; nothing was changed.`);
    }
  });
  // PRAGMA foreign_keys is a no-op inside a transaction: it is set around it. Read outside the
  // transaction, the version may be stale (another process migrating): then the rebuild either
  // has happened (nothing to do) or happens here, with enforcement off as it needs.
  const before = db.pragma('user_version', { simple: true }) as number;
  const rebuilds = MIGRATIONS.some((m) => m.version > before && m.rebuildsTables === true);
  const enforced = db.pragma('foreign_keys', { simple: true }) === 1;
  if (rebuilds && enforced) db.pragma('foreign_keys = OFF');
  try {
    apply.immediate();
  } finally {
    if (rebuilds && enforced) db.pragma('foreign_keys = ON');
  }
}
