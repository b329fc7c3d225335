/**
 * Which live tools bundle a library (the SQLite store's importers.ts, which reads it with
 * SQLite's JSON functions): here the active versions that bundled anything are read and their
 * dependencies parsed in JavaScript. PostgreSQL 15 has no way to skip a damaged JSON text inside
 * a query (a cast to jsonb would fail the whole query), and a damaged row must list nothing
 * rather than fail the listing.
 */
import type { Importer } from '../importers.js';

export function importersFrom(rows: readonly { name: string; active_version: number; dependencies_json: string }[], library: string): Importer[] {
  const importers: Importer[] = [];
  for (const row of rows) {
    let dependencies: unknown;
    try {
      dependencies = JSON.parse(row.dependencies_json);
    } catch {
      continue;
    }
    if (!Array.isArray(dependencies)) continue;
    for (const d of dependencies as unknown[]) {
      if (d === null || typeof d !== 'object') continue;
      const { kind, name, version } = d as { kind?: unknown; name?: unknown; version?: unknown };
      if (kind === 'library' && name === library) importers.push({ name: row.name, activeVersion: row.active_version, libraryVersion: Number(version) });
    }
  }
  return importers;
}
