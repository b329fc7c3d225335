/**
 * The prepared statements of the tool store, made once per Store (preparing is the costly part
 * of a query). Values are always bound parameters, never spliced into SQL text.
 */
import type Database from 'better-sqlite3';

import type { ToolRow, VersionInsert, VersionRow, VersionSummaryRow } from './rows.js';

type Statement<Params extends unknown[] | object, Row = unknown> = Database.Statement<Params, Row>;

export interface ToolStatements {
  findTool: Statement<[persona: string, name: string], ToolRow>;
  listLive: Statement<{ persona: string; after: string; limit: number }, ToolRow>;
  countLive: Statement<[persona: string], number>;
  insertTool: Statement<[persona: string, name: string, activeVersion: number, createdAt: string, updatedAt: string]>;
  activate: Statement<{ version: number; at: string; toolId: number }>;
  markDeleted: Statement<{ at: string; toolId: number }>;
  maxVersion: Statement<[toolId: number], number | null>;
  versionNumbers: Statement<[toolId: number], number>;
  findVersion: Statement<[toolId: number, version: number], VersionRow>;
  listVersions: Statement<[toolId: number], VersionSummaryRow>;
  insertVersion: Statement<VersionInsert>;
}

export function prepareToolStatements(db: Database.Database): ToolStatements {
  return {
    /** Live or deleted: callers decide what a deleted tool means for them. */
    findTool: db.prepare<[persona: string, name: string], ToolRow>(
      'SELECT * FROM tools WHERE persona = ? AND name = ?',
    ),
    // A page in name order after `after` ('' for the first); limit -1 for no limit.
    listLive: db.prepare<{ persona: string; after: string; limit: number }, ToolRow>(
      'SELECT * FROM tools WHERE persona = @persona AND deleted_at IS NULL AND name > @after ORDER BY name LIMIT @limit',
    ),
    countLive: db.prepare<[persona: string], number>('SELECT count(*) FROM tools WHERE persona = ? AND deleted_at IS NULL').pluck(),
    insertTool: db.prepare<[persona: string, name: string, activeVersion: number, createdAt: string, updatedAt: string]>(
      'INSERT INTO tools (persona, name, active_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    ),
    /** Also clears deleted_at: activating a version of a deleted tool revives it. */
    activate: db.prepare<{ version: number; at: string; toolId: number }>(
      'UPDATE tools SET active_version = @version, updated_at = @at, deleted_at = NULL WHERE id = @toolId',
    ),
    markDeleted: db.prepare<{ at: string; toolId: number }>(
      'UPDATE tools SET deleted_at = @at, updated_at = @at WHERE id = @toolId',
    ),
    maxVersion: db
      .prepare<[toolId: number], number | null>('SELECT MAX(version) FROM versions WHERE tool_id = ?')
      .pluck(),
    versionNumbers: db
      .prepare<[toolId: number], number>('SELECT version FROM versions WHERE tool_id = ? ORDER BY version')
      .pluck(),
    findVersion: db.prepare<[toolId: number, version: number], VersionRow>(
      'SELECT * FROM versions WHERE tool_id = ? AND version = ?',
    ),
    listVersions: db.prepare<[toolId: number], VersionSummaryRow>(
      `SELECT version, language, description, input_schema, timeout_ms, memory_mb, hash,
              origin_kind, origin_from_version, created_at, capabilities_json, kind, dependencies_json, datasource,
              replay_safe, gate_json, forced, strict_types
         FROM versions WHERE tool_id = ? ORDER BY version`,
    ),
    insertVersion: db.prepare<VersionInsert>(
      `INSERT INTO versions (tool_id, version, language, description, input_schema, timeout_ms,
                             memory_mb, source, compiled_js, source_map, hash, origin_kind,
                             origin_from_version, created_at, capabilities_json, kind, dependencies_json, datasource,
                             tests_json, replay_safe, gate_json, forced, strict_types)
       VALUES (@tool_id, @version, @language, @description, @input_schema, @timeout_ms,
               @memory_mb, @source, @compiled_js, @source_map, @hash, @origin_kind,
               @origin_from_version, @created_at, @capabilities_json, @kind, @dependencies_json, @datasource,
               @tests_json, @replay_safe, @gate_json, @forced, @strict_types)`,
    ),
  };
}
