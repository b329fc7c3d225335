/**
 * PostgreSQL migration 1: tools and their versions, as SQLite's final schema has them
 * (src/store/migrations.ts 1-11, docs/schema.md): the same tables, columns, constraints and
 * meaning, types translated. Never edit once shipped: add a migration.
 *
 * - persona and name are `text COLLATE "C"`: byte order, as SQLite's BINARY, so tools list in
 *   the same order on both stores (a linguistic collation would sort `a_b` and `ab` otherwise).
 * - UNIQUE (tool_id, version) is what keeps version numbers unique per tool whatever the writers
 *   do; tools.ts also locks the tool row while it numbers one, so concurrent writers queue
 *   instead of colliding, and retries a transaction that hit a unique violation anyway.
 * - tools (id, active_version) -> versions (tool_id, version) is checked at COMMIT (deferred), so a
 *   tool never points at a version that does not exist, yet a tool row and its first version go
 *   in in either order inside one transaction. The pair is made after both tables exist.
 * - 0/1 flags stay integers with a CHECK (as SQLite's), so both stores map rows with one code
 *   (rows.ts); JSON columns stay text: written and read whole, and hashed byte for byte.
 */
import type { PgMigration } from './index.js';

export const toolsMigration: PgMigration = {
  version: 1,
  name: 'tools and versions',
  sql: `
    CREATE TABLE tools (
      id             bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      persona        text    COLLATE "C" NOT NULL,
      name           text    COLLATE "C" NOT NULL,
      active_version integer NOT NULL,
      created_at     text    NOT NULL,
      updated_at     text    NOT NULL,
      deleted_at     text,
      UNIQUE (persona, name)
    );

    CREATE TABLE versions (
      id                  bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      tool_id             bigint  NOT NULL REFERENCES tools (id) DEFERRABLE INITIALLY DEFERRED,
      version             integer NOT NULL CHECK (version >= 1),
      language            text    NOT NULL CHECK (language IN ('typescript', 'javascript', 'sql')),
      description         text    NOT NULL,
      input_schema        text    NOT NULL,
      timeout_ms          integer NOT NULL,
      memory_mb           integer NOT NULL,
      source              text    NOT NULL,
      compiled_js         text    NOT NULL,
      source_map          text    NOT NULL,
      hash                text    NOT NULL,
      origin_kind         text    NOT NULL CHECK (origin_kind IN ('create', 'update', 'edit', 'rollback')),
      origin_from_version integer,
      created_at          text    NOT NULL,
      capabilities_json   text,
      kind                text    NOT NULL DEFAULT 'tool' CHECK (kind IN ('tool', 'library')),
      dependencies_json   text,
      datasource          text,
      tests_json          text,
      replay_safe         integer NOT NULL DEFAULT 0 CHECK (replay_safe IN (0, 1)),
      gate_json           text,
      forced              integer NOT NULL DEFAULT 0 CHECK (forced IN (0, 1)),
      strict_types        integer NOT NULL DEFAULT 0 CHECK (strict_types IN (0, 1)),
      diagnostics_json    text,
      UNIQUE (tool_id, version),
      CHECK ((origin_kind = 'rollback') = (origin_from_version IS NOT NULL)),
      CHECK ((language = 'sql') = (datasource IS NOT NULL)),
      CHECK (language <> 'sql' OR (kind = 'tool' AND dependencies_json IS NULL)),
      CHECK (forced = 0 OR gate_json IS NOT NULL)
    );

    ALTER TABLE tools ADD CONSTRAINT tools_active_version_fkey
      FOREIGN KEY (id, active_version) REFERENCES versions (tool_id, version) DEFERRABLE INITIALLY DEFERRED;
  `,
};
