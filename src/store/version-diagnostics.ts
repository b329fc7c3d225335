/**
 * The type diagnostics of a version (migration 10), written after the version is saved: the
 * checker answers later than the save (it never delays a version's first call), so the answer
 * is stored when it arrives. Text in, text out: the service owns its shape (src/typecheck/types.ts).
 */
import type Database from 'better-sqlite3';

import { guard } from './guard.js';

export interface VersionDiagnosticsStore {
  /** Sets (or with null clears) the diagnostics of a version; false when no such version exists. */
  set(persona: string, name: string, version: number, json: string | null): boolean;
  /** The stored JSON, or null when none was stored (or no such version). */
  get(persona: string, name: string, version: number): string | null;
}

export function createVersionDiagnosticsStore(db: Database.Database, afterWrite: () => void, beforeWrite: () => void): VersionDiagnosticsStore {
  const update = db.prepare<{ persona: string; name: string; version: number; json: string | null }>(
    `UPDATE versions SET diagnostics_json = @json
      WHERE version = @version AND tool_id = (SELECT id FROM tools WHERE persona = @persona AND name = @name)`,
  );
  const select = db
    .prepare<[persona: string, name: string, version: number], string | null>(
      `SELECT v.diagnostics_json FROM versions v JOIN tools t ON t.id = v.tool_id
        WHERE t.persona = ? AND t.name = ? AND v.version = ?`,
    )
    .pluck();
  return {
    set: guard('store the type diagnostics', (persona, name, version, json) => {
      beforeWrite();
      const changed = update.run({ persona, name, version, json }).changes > 0;
      afterWrite();
      return changed;
    }),
    get: guard('read the type diagnostics', (persona, name, version) => select.get(persona, name, version) ?? null),
  };
}
