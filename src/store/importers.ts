/**
 * Which live tools of a persona bundle a library, and at which version (issue 15): what
 * get_tool shows of a library, so that the agent sees the importers an update has not reached
 * yet. Read from the active versions' dependencies_json with SQLite's JSON functions; only
 * versions that bundled something are looked at.
 */
import type Database from 'better-sqlite3';

export interface Importer {
  /** The importing tool (or library). */
  name: string;
  /** Its active version. */
  activeVersion: number;
  /** The version of the library that version bundled. */
  libraryVersion: number;
}

export function createImporterQuery(db: Database.Database): (persona: string, library: string) => Importer[] {
  const statement = db.prepare<[persona: string, library: string], { name: string; active_version: number; library_version: number }>(
    `SELECT t.name, t.active_version, json_extract(d.value, '$.version') AS library_version
       FROM tools t
       JOIN versions v ON v.tool_id = t.id AND v.version = t.active_version
       -- A damaged row lists nothing rather than failing the whole query.
       JOIN json_each(CASE WHEN json_valid(v.dependencies_json) THEN v.dependencies_json ELSE '[]' END) d
      WHERE t.persona = ? AND t.deleted_at IS NULL AND v.dependencies_json IS NOT NULL
        AND json_extract(d.value, '$.kind') = 'library' AND json_extract(d.value, '$.name') = ?
      ORDER BY t.name`,
  );
  return (persona, library) =>
    statement.all(persona, library).map((row) => ({ name: row.name, activeVersion: row.active_version, libraryVersion: Number(row.library_version) }));
}
