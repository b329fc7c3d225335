import type Database from 'better-sqlite3';

import type { ToolRecord } from '../model.js';

/**
 * The live tool rows this connection has read, for as long as nobody has written: every call
 * looks its tool up, and `PRAGMA data_version` (which moves when another connection, in this
 * process or another, commits) costs about half of that indexed read (~4 vs ~8-11 us). Writes
 * of this store clear it themselves (data_version ignores this connection's own commits).
 */
export function createLiveToolCache(db: Database.Database) {
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  const rows = new Map<string, ToolRecord | undefined>();
  let seen: number | null = null;
  return {
    get(persona: string, name: string, read: () => ToolRecord | undefined): ToolRecord | undefined {
      const version = dataVersion.get();
      if (version !== seen) {
        rows.clear();
        seen = version ?? null;
      }
      const key = `${persona}\u0000${name}`;
      if (rows.has(key)) return rows.get(key);
      const tool = read();
      // Names that do not exist are kept too; a client trying many cannot grow this without end.
      if (rows.size >= 1_000) rows.clear();
      rows.set(key, tool);
      return tool;
    },
    clear(): void {
      rows.clear();
    },
  };
}
