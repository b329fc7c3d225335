/**
 * The statements of the PostgreSQL tool store. Each is named, so pg prepares it once per
 * connection and later runs send only its values; values are always bound, never spliced in.
 */
import type { VersionInsert } from '../rows.js';

export interface Statement {
  name: string;
  text: string;
}

const statement = (name: string, text: string): Statement => ({ name: `chameleon_tools_${name}`, text });

/** Columns of a version row in the order `insertVersion` binds them (rows.ts versionRow makes the values). */
export const VERSION_COLUMNS = [
  'tool_id', 'version', 'language', 'description', 'input_schema', 'timeout_ms', 'memory_mb', 'source', 'compiled_js',
  'source_map', 'hash', 'origin_kind', 'origin_from_version', 'created_at', 'capabilities_json', 'kind', 'dependencies_json',
  'datasource', 'tests_json', 'replay_safe', 'gate_json', 'forced', 'strict_types',
] as const satisfies ReadonlyArray<keyof VersionInsert>;

export function versionValues(row: VersionInsert): unknown[] {
  return VERSION_COLUMNS.map((column) => row[column]);
}

const placeholders = VERSION_COLUMNS.map((_, i) => `$${String(i + 1)}`).join(', ');
/** Every column but the code, the tests and the diagnostics: what listVersions shows. */
const SUMMARY_COLUMNS = `version, language, description, input_schema, timeout_ms, memory_mb, hash, origin_kind, origin_from_version,
  created_at, capabilities_json, kind, dependencies_json, datasource, replay_safe, gate_json, forced, strict_types`;

export const Q = {
  /** Live or deleted: callers decide what a deleted tool means for them. */
  findTool: statement('find_tool', 'SELECT * FROM tools WHERE persona = $1 AND name = $2'),
  /** The same, locked until COMMIT: writers of one tool queue here, so each numbers after the last. */
  lockTool: statement('lock_tool', 'SELECT * FROM tools WHERE persona = $1 AND name = $2 FOR UPDATE'),
  /**
   * Serialises the writes that count a persona's live tools (create, import) so that two cannot
   * both take its last place; any two personas with the same hashtext merely queue together.
   */
  lockPersona: statement('lock_persona', "SELECT pg_advisory_xact_lock(hashtext('chameleon.persona'), hashtext($1))"),
  countLive: statement('count_live', 'SELECT count(*) AS n FROM tools WHERE persona = $1 AND deleted_at IS NULL'),
  /** A page in name order after $2 ('' for the first); LIMIT NULL is no limit. */
  listLive: statement('list_live', 'SELECT * FROM tools WHERE persona = $1 AND deleted_at IS NULL AND name > $2 ORDER BY name LIMIT $3'),
  insertTool: statement(
    'insert_tool',
    'INSERT INTO tools (persona, name, active_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
  ),
  /** Also clears deleted_at: activating a version of a deleted tool revives it. */
  activate: statement('activate', 'UPDATE tools SET active_version = $1, updated_at = $2, deleted_at = NULL WHERE id = $3'),
  markDeleted: statement('mark_deleted', 'UPDATE tools SET deleted_at = $1, updated_at = $1 WHERE id = $2 RETURNING *'),
  /** Numbered after the highest, not the active one: a version the gate refused keeps its number. */
  nextVersion: statement('next_version', 'SELECT coalesce(max(version), 0) + 1 AS next FROM versions WHERE tool_id = $1'),
  /** RETURNING what was stored, so callers get exactly what later reads return. */
  insertVersion: statement('insert_version', `INSERT INTO versions (${VERSION_COLUMNS.join(', ')}) VALUES (${placeholders}) RETURNING *, xmin::text AS row_xmin`),
  /** The copy of a version is the same code: it keeps what the type checker said about it. */
  copyDiagnostics: statement(
    'copy_diagnostics',
    'UPDATE versions SET diagnostics_json = (SELECT diagnostics_json FROM versions WHERE tool_id = $1 AND version = $2) WHERE tool_id = $1 AND version = $3',
  ),
  /**
   * The tool, and the version asked for ($3) or else its active one: id, hash and xmin only, which
   * say whether a version this process verified before is still the row in the table (tools.ts).
   */
  locateVersion: statement(
    'locate_version',
    `SELECT t.*, v.id AS version_id, v.hash AS version_hash, v.xmin::text AS version_xmin
       FROM tools t LEFT JOIN versions v ON v.tool_id = t.id AND v.version = coalesce($3::integer, t.active_version)
      WHERE t.persona = $1 AND t.name = $2`,
  ),
  versionById: statement('version_by_id', 'SELECT *, xmin::text AS row_xmin FROM versions WHERE id = $1'),
  versionNumbers: statement('version_numbers', 'SELECT version FROM versions WHERE tool_id = $1 ORDER BY version'),
  listVersions: statement('list_versions', `SELECT ${SUMMARY_COLUMNS} FROM versions WHERE tool_id = $1 ORDER BY version`),
  /** What tools/list shows: live tools that are not libraries, one more than asked to tell whether there are more. */
  listedPage: statement(
    'listed_page',
    `SELECT t.name, v.description, v.input_schema
       FROM tools t JOIN versions v ON v.tool_id = t.id AND v.version = t.active_version
      WHERE t.persona = $1 AND t.deleted_at IS NULL AND t.name > $2 AND v.kind <> 'library'
      ORDER BY t.name LIMIT $3`,
  ),
  /** Active versions that bundled something: importers.ts reads their dependencies. */
  bundling: statement(
    'bundling',
    `SELECT t.name, t.active_version, v.dependencies_json
       FROM tools t JOIN versions v ON v.tool_id = t.id AND v.version = t.active_version
      WHERE t.persona = $1 AND t.deleted_at IS NULL AND v.dependencies_json IS NOT NULL
      ORDER BY t.name`,
  ),
  notify: statement('notify', "SELECT pg_notify('chameleon_tools', $1)"),
} as const;
