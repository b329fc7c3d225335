/**
 * PostgreSQL migration 2: the execution log and the kv store, as SQLite's final schema has them
 * (src/store/migrations.ts 1-11, docs/schema.md): same tables, columns and meaning, types
 * translated. Never edit once shipped: add a migration.
 *
 * - Keys and timestamps are `text COLLATE "C"`: byte order, which for UTF-8 is code point order,
 *   as SQLite's BINARY. Under a linguistic collation (en_US...) `id >= 'ab' AND id < 'ab\u{10FFFF}'`
 *   would not be the ids starting with `ab`, kv keys would list in another order than compareKeys(),
 *   and the btree indexes could not serve those ranges.
 * - `seq` is a bigserial: it breaks ties between rows of the same timestamp in insertion order,
 *   as SQLite's rowid does. (Across concurrent transactions a seq may commit after a higher one;
 *   the order within one millisecond is then the order of allocation, which is all SQLite's
 *   single writer promised either.)
 * - The time-ordered indexes end with seq, so "newest first" (ORDER BY timestamp DESC, seq DESC
 *   LIMIT n) is a backward index walk with no sort, ties included.
 * - The failure indexes are partial, as SQLite's (migrations 2 and 9): a successful call's row,
 *   nearly every row, touches two indexes and the primary key only. Queries say
 *   status = 'FAILURE' literally so the planner can prove they apply.
 * - JSON columns stay text: they are written and read whole, never queried inside, and text
 *   keeps them byte for byte as SQLite does (jsonb would reorder keys and drop duplicates).
 * - kv_usage is kept by triggers in the transaction of the change, as SQLite's (migration 4), so
 *   a quota check reads one row. The writes that need it are serialised per namespace by an
 *   advisory lock (kv-writes.ts), so the triggers never race each other for the first row.
 */
import type { PgMigration } from './index.js';

export const logMigration: PgMigration = {
  version: 2,
  name: 'the execution log, kv and kv usage',
  sql: `
    CREATE TABLE executions (
      seq                 bigserial PRIMARY KEY,
      id                  text COLLATE "C" NOT NULL UNIQUE,
      timestamp           text COLLATE "C" NOT NULL,
      persona             text COLLATE "C" NOT NULL,
      tool_name           text COLLATE "C" NOT NULL,
      operation           text NOT NULL,
      version             integer,
      hash                text,
      arguments_json      text NOT NULL,
      status              text NOT NULL,
      error_kind          text,
      error_name          text,
      error_message       text,
      result_summary      text,
      frames_json         text,
      raw_stack           text,
      code_frame          text,
      console_output      text NOT NULL,
      duration_ms         double precision NOT NULL,
      cpu_ms              double precision,
      heap_used_bytes     bigint,
      error_facts_json    text,
      effects_json        text,
      parent_execution_id text COLLATE "C",
      root_execution_id   text COLLATE "C",
      fingerprint         text COLLATE "C",
      progress_calls      integer
    );

    CREATE INDEX executions_by_tool ON executions (persona, tool_name, timestamp, seq);
    CREATE INDEX executions_by_time ON executions (persona, timestamp, seq);
    CREATE INDEX executions_failures ON executions (persona, timestamp, seq) WHERE status = 'FAILURE';
    CREATE INDEX executions_failures_by_tool ON executions (persona, tool_name, timestamp, seq) WHERE status = 'FAILURE';
    CREATE INDEX executions_failures_by_fingerprint ON executions (persona, tool_name, fingerprint) WHERE status = 'FAILURE';
    CREATE INDEX executions_by_root ON executions (root_execution_id) WHERE root_execution_id IS NOT NULL;

    CREATE TABLE kv (
      id           bigserial PRIMARY KEY,
      persona      text COLLATE "C" NOT NULL,
      namespace    text COLLATE "C" NOT NULL,
      key          text COLLATE "C" NOT NULL,
      value_json   text NOT NULL,
      bytes        bigint NOT NULL,
      updated_at   text NOT NULL,
      execution_id text NOT NULL,
      UNIQUE (persona, namespace, key)
    );

    CREATE TABLE kv_usage (
      persona   text COLLATE "C" NOT NULL,
      namespace text COLLATE "C" NOT NULL,
      keys      bigint NOT NULL,
      bytes     bigint NOT NULL,
      PRIMARY KEY (persona, namespace)
    );

    CREATE FUNCTION kv_usage_track() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO kv_usage (persona, namespace, keys, bytes) VALUES (NEW.persona, NEW.namespace, 1, NEW.bytes)
          ON CONFLICT (persona, namespace) DO UPDATE SET keys = kv_usage.keys + 1, bytes = kv_usage.bytes + EXCLUDED.bytes;
      ELSIF TG_OP = 'UPDATE' THEN
        UPDATE kv_usage SET bytes = bytes - OLD.bytes + NEW.bytes WHERE persona = NEW.persona AND namespace = NEW.namespace;
      ELSE
        UPDATE kv_usage SET keys = keys - 1, bytes = bytes - OLD.bytes WHERE persona = OLD.persona AND namespace = OLD.namespace;
        DELETE FROM kv_usage WHERE persona = OLD.persona AND namespace = OLD.namespace AND keys = 0;
      END IF;
      RETURN NULL;
    END
    $$;

    CREATE TRIGGER kv_usage_after_insert AFTER INSERT ON kv FOR EACH ROW EXECUTE FUNCTION kv_usage_track();
    CREATE TRIGGER kv_usage_after_update AFTER UPDATE OF bytes ON kv FOR EACH ROW EXECUTE FUNCTION kv_usage_track();
    CREATE TRIGGER kv_usage_after_delete AFTER DELETE ON kv FOR EACH ROW EXECUTE FUNCTION kv_usage_track();
  `,
};
