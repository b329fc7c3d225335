// The PostgreSQL half of docs/schema.md: how the PostgreSQL store's schema
// (src/store/postgres/migrations/) relates to SQLite's, and the psql versions of the queries in
// docs-schema-notes.mjs. scripts/docs-schema.mjs renders both.
//
// POSTGRES is also the list of intended differences that test/integration/postgres-schema-drift.test.ts
// holds a freshly migrated PostgreSQL database to: every table both stores have must have the same
// columns (by name), with the same nullability and defaults, a type from `types`, and the
// same indexes and triggers, except for what is listed here. A PostgreSQL migration that adds,
// drops or changes a column without SQLite's doing the same (or the other way round) fails it;
// a difference meant to be is added here, with its reason, and then shows in the docs.

export const POSTGRES = {
  /** SQLite's declared type -> the PostgreSQL types a column declared so may have. */
  types: {
    // bigint for ids, seq, byte sizes and counts; integer for version numbers, limits and 0/1
    // flags (kept integers with a CHECK, not boolean, so both stores map rows with one code).
    INTEGER: ['bigint', 'integer'],
    REAL: ['double precision'],
    // JSON columns too: text keeps them byte for byte (they are hashed); jsonb would reorder keys.
    TEXT: ['text'],
  },
  /**
   * Columns PostgreSQL numbers itself where SQLite uses the rowid (an INTEGER PRIMARY KEY):
   * they have a default (or are an identity) that SQLite's column does not declare.
   */
  generated: {
    'tools.id': 'GENERATED ALWAYS AS IDENTITY',
    'versions.id': 'GENERATED ALWAYS AS IDENTITY',
    'executions.seq': 'bigserial: breaks ties between rows of one timestamp in insertion order, as the rowid does',
    'kv.id': 'bigserial',
  },
  /** Tables only PostgreSQL has. */
  tables: {
    schema_migrations: 'The migrations applied (`version`, `name`, `applied_at`); SQLite keeps only the number, in `PRAGMA user_version`.',
  },
  /** Functions only PostgreSQL has (a SQLite trigger carries its body itself). */
  functions: {
    kv_usage_track: 'The body of the three `kv_usage_after_*` triggers, which have the same names and do the same as SQLite\'s.',
  },
  /**
   * Indexes whose PostgreSQL columns are SQLite's followed by these: `seq` last makes "newest
   * first" (ORDER BY timestamp DESC, seq DESC) a backward index walk with no sort, ties included.
   */
  indexSuffix: {
    executions_by_tool: ['seq'],
    executions_by_time: ['seq'],
    executions_failures: ['seq'],
    executions_failures_by_tool: ['seq'],
  },
};

/** The rest of what differs, in prose only (not a column, table or index the test compares). */
export const POSTGRES_NOTES = [
  'Keys, names and timestamps are `text COLLATE "C"`: byte order, as SQLite\'s BINARY, so tools, log rows and kv keys sort the same on both stores and the btree indexes serve prefix ranges.',
  '`tools (id, active_version)` references `versions (tool_id, version)` as a foreign key checked at COMMIT (DEFERRABLE INITIALLY DEFERRED), as SQLite\'s deferred one: a tool never points at a version that does not exist.',
  'Version numbers stay gapless and unique under writers on several replicas: `UNIQUE (tool_id, version)`, a lock on the tool row while a version is numbered, and a retry on a unique violation.',
];

/**
 * psql versions of docs-schema-notes.mjs QUERIES, by id; the test runs each against a PostgreSQL
 * store that the same calls filled and compares its rows with the SQLite query's.
 * round() of a double needs ::numeric; strftime, printf, group_concat and json_each become
 * to_char, lpad, string_agg and jsonb_array_elements.
 */
const SINCE = (interval) => `to_char(now() AT TIME ZONE 'UTC' - interval '${interval}', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export const PG_QUERIES = {
  'last-failure-per-tool': `SELECT tool_name, timestamp, version, error_kind, error_name, error_message
  FROM executions AS e
 WHERE persona = 'default' AND status = 'FAILURE'
   AND seq = (SELECT max(seq) FROM executions
               WHERE persona = e.persona AND tool_name = e.tool_name AND status = 'FAILURE')
 ORDER BY timestamp DESC;`,
  'slowest-calls': `SELECT timestamp, tool_name, version, status, round(duration_ms::numeric, 1) AS ms, round(cpu_ms::numeric, 1) AS cpu
  FROM executions
 WHERE persona = 'default' AND operation = 'call'
   AND timestamp >= ${SINCE('1 day')}
 ORDER BY duration_ms DESC
 LIMIT 10;`,
  'failures-per-version': `SELECT version, hash, count(*) AS calls,
       count(*) FILTER (WHERE status = 'FAILURE') AS failures,
       round(100.0 * count(*) FILTER (WHERE status = 'FAILURE') / count(*), 1) AS failure_pct,
       round(avg(duration_ms)::numeric, 1) AS avg_ms
  FROM executions
 WHERE persona = 'default' AND tool_name = 'parse_csv' AND operation = 'call'
 GROUP BY version, hash
 ORDER BY version;`,
  'failures-by-fingerprint': `SELECT tool_name, fingerprint, count(*) AS seen, min(timestamp) AS first, max(timestamp) AS last,
       string_agg(DISTINCT version::text, ',') AS versions, max(error_message) AS a_message
  FROM executions
 WHERE persona = 'default' AND status = 'FAILURE' AND fingerprint IS NOT NULL
 GROUP BY tool_name, fingerprint
 ORDER BY last DESC;`,
  'failures-by-kind': `SELECT tool_name, error_kind, count(*) AS failures, max(timestamp) AS last
  FROM executions
 WHERE persona = 'default' AND status = 'FAILURE'
   AND timestamp >= ${SINCE('7 days')}
 GROUP BY tool_name, error_kind
 ORDER BY failures DESC;`,
  'call-tree': `WITH RECURSIVE root(id) AS (
  SELECT root_execution_id FROM executions
   WHERE root_execution_id IS NOT NULL ORDER BY seq DESC LIMIT 1
), tree(id, depth, path) AS (
  SELECT id, 0, lpad(seq::text, 8, '0') FROM executions WHERE id = (SELECT id FROM root)
  UNION ALL
  SELECT e.id, tree.depth + 1, tree.path || '/' || lpad(e.seq::text, 8, '0')
    FROM executions AS e JOIN tree ON e.parent_execution_id = tree.id
   WHERE e.root_execution_id = (SELECT id FROM root)
)
SELECT repeat(' ', 2 * tree.depth) || e.tool_name AS call,
       e.version, e.status, e.error_kind, round(e.duration_ms::numeric, 1) AS ms
  FROM tree JOIN executions AS e ON e.id = tree.id
 ORDER BY tree.path;`,
  'kv-usage': `SELECT persona, namespace, keys, bytes
  FROM kv_usage
 ORDER BY bytes DESC;`,
  'kv-writers': `SELECT kv.key, kv.bytes, kv.updated_at, e.tool_name, e.version
  FROM kv LEFT JOIN executions AS e ON e.id = kv.execution_id
 WHERE kv.persona = 'default' AND kv.namespace = 'tool:counter'
 ORDER BY kv.key;`,
  'fetch-effects': `SELECT effect ->> 'origin' AS origin,
       count(*) AS requests,
       count(*) FILTER (WHERE effect ->> 'refused' IS NOT NULL) AS refused
  FROM executions AS e, jsonb_array_elements(e.effects_json::jsonb) AS effect
 WHERE e.persona = 'default' AND effect ->> 'op' = 'fetch'
 GROUP BY origin
 ORDER BY requests DESC;`,
  'active-versions': `SELECT t.name, t.active_version, v.language, v.kind, v.origin_kind, v.origin_from_version, t.updated_at
  FROM tools AS t JOIN versions AS v ON v.tool_id = t.id AND v.version = t.active_version
 WHERE t.persona = 'default' AND t.deleted_at IS NULL
 ORDER BY t.name;`,
};
