// The hand-written half of docs/schema.md: what each table, column, index and trigger is for,
// and the queries a person runs against the log. scripts/docs-schema.mjs reads the other half
// (names, types, nullability, indexes) from a freshly migrated store. A migration that adds a
// column, index, trigger or table without a note here fails test/integration/docs-schema.test.ts;
// so does a note for something no migration made. After a migration lands: add its notes here,
// then run `npm run docs:schema`.

/**
 * Per table: `about` (one paragraph), `changes` (what Chameleon ever does to a row after
 * inserting it; the test checks it against the UPDATE and DELETE statements in src/store/),
 * and one note per column.
 */
export const TABLES = {
  tools: {
    about:
      'One row per tool (or library) name of a persona: which of its versions is active, and whether it was deleted. ' +
      'The code lives in `versions`; this row only points at one of them.',
    changes: {
      update: 'Every update, edit or rollback sets `active_version` and `updated_at`; a delete sets `deleted_at` (the versions and the log stay); creating a deleted name again revives the row (clears `deleted_at`) with version max+1.',
      delete: false,
    },
    columns: {
      id: 'Rowid; `versions.tool_id` points here.',
      persona: 'The persona that owns the tool. Every query of the server is scoped to one persona.',
      name: 'The tool name agents call, unique per persona (live or deleted).',
      active_version: 'The `versions.version` that calls run. Checked at COMMIT to exist (deferred foreign key on `(id, active_version)`).',
      created_at: 'ISO 8601 UTC time of the first version. A revived tool keeps it.',
      updated_at: 'ISO 8601 UTC time of the last change to this row.',
      deleted_at: 'ISO 8601 UTC time of the delete; NULL while the tool is live.',
    },
  },
  versions: {
    about:
      'Every version of every tool, numbered 1, 2, 3 ... per tool and never reused: the source the agent wrote, the JavaScript and source map it compiled to, ' +
      'its limits and capabilities, and the SHA-256 `hash` over all of that (src/store/hash.ts), recomputed on every read so that a row edited behind Chameleon\'s back is refused before it runs. ' +
      'A rollback does not reactivate an old row: it copies it into a new version whose `origin_kind` is `rollback`.',
    changes: {
      update: 'Only `diagnostics_json`, outside the hash: set once the type checker answers, after the version is saved (src/store/version-diagnostics.ts), and copied into the new row by a rollback.',
      delete: false,
    },
    columns: {
      id: 'Rowid.',
      tool_id: '`tools.id` of the tool this version belongs to.',
      version: 'The version number, 1 for the first, unique per tool.',
      language: '`typescript`, `javascript` or `sql` (a SQL tool, issue 16).',
      description: 'The description agents see in tools/list.',
      input_schema: 'The JSON Schema (JSON text) that arguments are validated against before a call runs.',
      timeout_ms: 'The time limit of one call, in milliseconds: CPU time inside the isolate, and the wall-clock deadline of the call.',
      memory_mb: 'The isolate heap limit of one call, in MB.',
      source: 'The source as the agent sent it: what tracebacks and code frames point into.',
      compiled_js: 'What the sandbox runs: the source compiled to JavaScript (for a library or a tool with dependencies, bundled with them). Empty for a SQL tool, whose query is `source`.',
      source_map: 'The source map (JSON) from `compiled_js` back to `source`, used to map stack frames. Empty for a SQL tool.',
      hash: 'SHA-256 (hex) of everything that decides what the version does (src/store/hash.ts); `executions.hash` records which code a call ran.',
      origin_kind: '`create`, `update`, `edit` (edit_tool) or `rollback`: how the version came to be.',
      origin_from_version: 'For a rollback, the version it copies; NULL otherwise (a CHECK enforces both ways).',
      created_at: 'ISO 8601 UTC time the version was written.',
      capabilities_json: 'The capabilities manifest (JSON: fetch origins, secrets, kv, tools, mcp, sql), NULL for none.',
      kind: '`tool` (agents call it) or `library` (other tools import it, nobody calls it). Rows older than migration 5 read `tool`.',
      dependencies_json: 'The libraries and packages this version bundled, each pinned by version and hash or integrity (JSON, model.ts `Dependency[]`); NULL for none.',
      datasource: 'The datasource a SQL tool queries; NULL for code (a CHECK ties it to `language = \'sql\'`).',
      tests_json: 'The tests the agent declared with the version (JSON, model.ts `ToolTest[]`: arguments and the expected result or failure kind), run by the regression gate before an update goes live; NULL for none. In the hash when set.',
      replay_safe: '1 when the agent said the tool\'s side effects (fetch, mcp, tools) may be replayed by the gate; 0 otherwise. In the hash when 1.',
      gate_json: 'The regression gate\'s report (JSON, model.ts `GateReport`: each case with its arguments, before, after and located error) when an update or edit ran it; NULL otherwise. A version whose report has failing cases and `forced` 0 was never active. Not in the hash.',
      forced: '1 when the version went live past failing gate cases (`force: true`); a CHECK requires a report. Not in the hash.',
      strict_types: '1 when the version opted into strict types (issue 17): type errors from the checker refused its save. In the hash only when 1.',
      diagnostics_json: 'What the TypeScript checker said about the source (JSON, src/typecheck/types.ts `TypeDiagnostic[]`: line, column, code, message, severity), written after the version was saved; NULL when it said nothing, did not run (JavaScript, SQL) or did not answer. Not in the hash.',
    },
  },
  executions: {
    about:
      'The execution log: one row per call of a tool, whether an agent or another tool (`ctx.tools`) made it, and one per create or update that was refused (it did not compile, its module threw while loading, or its query did not prepare). ' +
      'Written once, in the same transaction as the call\'s kv writes, and never changed. Rows go only by retention (config `retention`, `chameleon logs prune`); unset, the log grows for ever. ' +
      'Effects record names, sizes, statuses and counts, never bodies, values or header values; arguments, results and console output are kept as the agent and the tool gave them (capped), so treat the file as being as sensitive as they are.',
    changes: {
      update: false,
      delete:
        'Retention deletes rows older than `retention.maxAgeDays` or beyond `retention.maxRowsPerPersona`, oldest first, in small batches (src/store/retention.ts); each tool\'s newest failure, and each persona\'s newest failure of an agent\'s call, stay so that `get_last_error` answers. Unset, nothing is deleted.',
    },
    columns: {
      seq: 'Rowid: the insertion order, which breaks ties between rows with the same timestamp.',
      id: 'The execution id agents see (`ex_` + a UUID); `get_execution` takes it.',
      timestamp: 'ISO 8601 UTC time the call started.',
      persona: 'The persona the call ran for.',
      tool_name: 'The tool called (its name, not `tools.id`: the rows of a deleted tool stay readable).',
      operation: '`call` for a call; `create` or `update` for a refused write (a saved write is a `versions` row, not a log row).',
      version: 'The version that ran; NULL for a refused write, whose code was never saved under a number. (A call of a tool that does not exist is refused before it runs and writes no row.)',
      hash: 'The `versions.hash` of the code that ran; for a refused write, the hash of the refused code if it compiled, else NULL.',
      arguments_json: 'The arguments as received (JSON text, capped).',
      status: '`SUCCESS` or `FAILURE`.',
      error_kind: 'For a failure: `compile`, `exception`, `timeout`, `memory`, `invalid_arguments`, `invalid_result`, `internal` or `overloaded`; NULL for a success.',
      error_name: 'The error\'s name (`TypeError`), or `thrown <type>` for a thrown non-Error.',
      error_message: 'The error\'s message (capped).',
      result_summary: 'A success\'s result as JSON text, cut at 2,000 characters with a visible marker.',
      frames_json: 'The failure\'s stack frames mapped into the agent\'s own source (JSON array, innermost first, 1-based line and column).',
      raw_stack: 'The stack as V8 printed it (capped), kept even when mapping worked: the truth when it did not.',
      code_frame: 'A few source lines around the top frame with a caret under the column.',
      console_output: 'What the tool wrote with console.*, newline separated, capped; empty when nothing.',
      duration_ms: 'Wall-clock time of the call, in milliseconds.',
      cpu_ms: 'CPU time the isolate spent, in milliseconds; NULL when the call never ran in an isolate.',
      heap_used_bytes: 'The isolate\'s used heap after the call; NULL when unknown.',
      error_facts_json: 'What the failure says beyond its frames: the thrown value, its own properties (`code`, `status`), its cause chain, an AggregateError\'s members (JSON, model.ts `FailureFacts`); NULL when nothing more.',
      effects_json: 'What the call did outside itself, in order: fetch requests, kv operations, upstream MCP calls, tool calls, SQL queries (JSON, model.ts `Effect[]`; at most 200 and an `omitted` marker); NULL when nothing.',
      parent_execution_id: 'For a call made by another tool, the `id` of the execution that made it; NULL for a call an agent made.',
      root_execution_id: 'For a call made by another tool, the `id` of the agent\'s call at the top of the tree; NULL on that root itself.',
      fingerprint:
        'A failure\'s fingerprint (16 hex digits, src/traceback/fingerprint.ts): kind, error name, normalised message and the failing line\'s text, never the version, so the same bug has the same one in every version (`get_last_error` counts them, `list_executions group_by`). NULL for a success and for failures logged before migration 9.',
      progress_calls: 'How many times the call called `ctx.progress` (whether or not its request asked for progress notifications); NULL when it never did. For a call stopped at a limit, the reports that left its sandbox.',
    },
  },
  kv: {
    about:
      'The key-value entries tools keep with `ctx.kv`, one row per (persona, namespace, key). A call\'s writes are applied in the transaction that inserts its log row, so they commit with it or not at all; a failed call writes nothing.',
    changes: {
      update: 'A set of an existing key replaces `value_json`, `bytes`, `updated_at` and `execution_id` (an upsert).',
      delete: 'A delete removes the row.',
    },
    columns: {
      id: 'Rowid (a rowid table, not WITHOUT ROWID: migration 4 says why).',
      persona: 'The persona that owns the entry.',
      namespace: '`tool:<name>`, the tool\'s own, or `persona`, shared by the persona\'s tools that declare `kv: "persona"`.',
      key: 'The key, unique per namespace.',
      value_json: 'The value as JSON text.',
      bytes: 'UTF-8 bytes of key + value_json: what quotas count.',
      updated_at: 'ISO 8601 UTC time of the call that last wrote it.',
      execution_id: 'The `executions.id` of the call that last wrote it.',
    },
  },
  kv_usage: {
    about:
      'Each namespace\'s key count and bytes, kept by the `kv_usage_*` triggers in the same transaction as the change, so a quota check reads one row instead of summing the namespace. A namespace\'s row goes with its last key.',
    changes: { update: 'Only the triggers on `kv` change it.', delete: 'Only the triggers on `kv` change it.' },
    columns: {
      persona: 'The persona that owns the namespace.',
      namespace: 'The namespace.',
      keys: 'How many keys it holds.',
      bytes: 'The sum of `kv.bytes` over its keys.',
    },
  },
};

/** Indexes made with CREATE INDEX (UNIQUE and PRIMARY KEY constraints explain themselves). */
export const INDEXES = {
  executions_by_tool: 'A tool\'s calls, newest first (`list_executions tool=...`, `chameleon logs <tool>`).',
  executions_by_time: 'The unfiltered "newest first" listing of one persona.',
  executions_failures:
    'Partial (failures only): `get_last_error` and `list_executions status=FAILURE`. Migration 2 replaced an index on every row\'s status with these two, because each index a row touches adds a ~4 KB page to the WAL at every commit: a successful call touches one index fewer. A query must say `status = \'FAILURE\'` literally for SQLite to use them.',
  executions_failures_by_tool: 'Partial (failures only): the last failure of one tool (`get_last_error tool=...`). See `executions_failures`.',
  executions_by_root:
    'Partial (nested calls only): a whole tree of tool calls in one range read. A root row, nearly every row, touches no index for it.',
  executions_failures_by_fingerprint:
    'Partial (failures only): how often one failure of a tool was seen and in which versions (`get_last_error`), and a tool\'s failures grouped by fingerprint. See `executions_failures`.',
};

export const TRIGGERS = {
  kv_usage_after_insert: 'A new key adds 1 key and its bytes to its namespace\'s `kv_usage` row (making the row if needed).',
  kv_usage_after_update: 'A replaced value adds the difference in bytes.',
  kv_usage_after_delete: 'A deleted key subtracts 1 key and its bytes, and deletes the namespace\'s row with its last key.',
};

/**
 * Queries for `sqlite3`. Each runs in the test against a store that real calls populated; `id`
 * names it there. Keep them read-only and runnable as they are.
 */
export const QUERIES = [
  {
    id: 'last-failure-per-tool',
    title: 'The last failure of each tool',
    sql: `SELECT tool_name, timestamp, version, error_kind, error_name, error_message
  FROM executions AS e
 WHERE persona = 'default' AND status = 'FAILURE'
   AND seq = (SELECT max(seq) FROM executions
               WHERE persona = e.persona AND tool_name = e.tool_name AND status = 'FAILURE')
 ORDER BY timestamp DESC;`,
  },
  {
    id: 'slowest-calls',
    title: 'The ten slowest calls of the last day',
    sql: `SELECT timestamp, tool_name, version, status, round(duration_ms, 1) AS ms, round(cpu_ms, 1) AS cpu
  FROM executions
 WHERE persona = 'default' AND operation = 'call'
   AND timestamp >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')
 ORDER BY duration_ms DESC
 LIMIT 10;`,
  },
  {
    id: 'failures-per-version',
    title: 'Calls and failures per version of a tool',
    sql: `SELECT version, hash, count(*) AS calls,
       sum(status = 'FAILURE') AS failures,
       round(100.0 * sum(status = 'FAILURE') / count(*), 1) AS failure_pct,
       round(avg(duration_ms), 1) AS avg_ms
  FROM executions
 WHERE persona = 'default' AND tool_name = 'parse_csv' AND operation = 'call'
 GROUP BY version, hash
 ORDER BY version;`,
  },
  {
    id: 'failures-by-fingerprint',
    title: 'The same failure across versions (by fingerprint)',
    sql: `SELECT tool_name, fingerprint, count(*) AS seen, min(timestamp) AS first, max(timestamp) AS last,
       group_concat(DISTINCT version) AS versions, max(error_message) AS a_message
  FROM executions
 WHERE persona = 'default' AND status = 'FAILURE' AND fingerprint IS NOT NULL
 GROUP BY tool_name, fingerprint
 ORDER BY last DESC;`,
  },
  {
    id: 'failures-by-kind',
    title: 'Failures by kind over the last week',
    sql: `SELECT tool_name, error_kind, count(*) AS failures, max(timestamp) AS last
  FROM executions
 WHERE persona = 'default' AND status = 'FAILURE'
   AND timestamp >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')
 GROUP BY tool_name, error_kind
 ORDER BY failures DESC;`,
  },
  {
    id: 'call-tree',
    title: 'The tree of nested calls under an agent\'s call',
    note: 'Replace the id with a root call\'s `execution_id` (here: the newest call with nested calls).',
    sql: `WITH RECURSIVE root(id) AS (
  SELECT root_execution_id FROM executions
   WHERE root_execution_id IS NOT NULL ORDER BY seq DESC LIMIT 1
), tree(id, depth, path) AS (
  SELECT id, 0, printf('%08d', seq) FROM executions WHERE id = (SELECT id FROM root)
  UNION ALL
  SELECT e.id, tree.depth + 1, tree.path || '/' || printf('%08d', e.seq)
    FROM executions AS e JOIN tree ON e.parent_execution_id = tree.id
   WHERE e.root_execution_id = (SELECT id FROM root)
)
SELECT substr('                ', 1, 2 * tree.depth) || e.tool_name AS call,
       e.version, e.status, e.error_kind, round(e.duration_ms, 1) AS ms
  FROM tree JOIN executions AS e ON e.id = tree.id
 ORDER BY tree.path;`,
  },
  {
    id: 'kv-usage',
    title: 'kv usage per namespace, largest first',
    sql: `SELECT persona, namespace, keys, bytes
  FROM kv_usage
 ORDER BY bytes DESC;`,
  },
  {
    id: 'kv-writers',
    title: 'Which call last wrote each key of a namespace',
    sql: `SELECT kv.key, kv.bytes, kv.updated_at, e.tool_name, e.version
  FROM kv LEFT JOIN executions AS e ON e.id = kv.execution_id
 WHERE kv.persona = 'default' AND kv.namespace = 'tool:counter'
 ORDER BY kv.key;`,
  },
  {
    id: 'fetch-effects',
    title: 'Outbound requests per origin (from the effects of each call)',
    sql: `SELECT json_extract(effect.value, '$.origin') AS origin,
       count(*) AS requests,
       sum(json_extract(effect.value, '$.refused') IS NOT NULL) AS refused
  FROM executions AS e, json_each(e.effects_json) AS effect
 WHERE e.persona = 'default' AND json_extract(effect.value, '$.op') = 'fetch'
 GROUP BY origin
 ORDER BY requests DESC;`,
  },
  {
    id: 'active-versions',
    title: 'Each live tool with its active version and when it changed',
    sql: `SELECT t.name, t.active_version, v.language, v.kind, v.origin_kind, v.origin_from_version, t.updated_at
  FROM tools AS t JOIN versions AS v ON v.tool_id = t.id AND v.version = t.active_version
 WHERE t.persona = 'default' AND t.deleted_at IS NULL
 ORDER BY t.name;`,
  },
];
