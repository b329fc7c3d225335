/**
 * The type diagnostics of a version on PostgreSQL (the SQLite store's version-diagnostics.ts:
 * written after the version is saved, when the checker answers). Not part of the version's hash,
 * and no NOTIFY: diagnostics change neither what a tool runs nor what it lists.
 */
import type pg from 'pg';

import type { Promised } from '../contract.js';
import type { VersionDiagnosticsStore } from '../version-diagnostics.js';
import { pgGuard } from './pg-guard.js';

const UPDATE = {
  name: 'chameleon_diagnostics_set',
  text: `UPDATE versions SET diagnostics_json = $4
          WHERE version = $3 AND tool_id = (SELECT id FROM tools WHERE persona = $1 AND name = $2)`,
};
const SELECT = {
  name: 'chameleon_diagnostics_get',
  text: `SELECT v.diagnostics_json FROM versions v JOIN tools t ON t.id = v.tool_id
          WHERE t.persona = $1 AND t.name = $2 AND v.version = $3`,
};

export function createPgVersionDiagnosticsStore(pool: pg.Pool): Promised<VersionDiagnosticsStore> {
  return {
    set: pgGuard('store the type diagnostics', async (persona: string, name: string, version: number, json: string | null) => {
      const result = await pool.query({ ...UPDATE, values: [persona, name, version, json] });
      return (result.rowCount ?? 0) > 0;
    }),
    get: pgGuard('read the type diagnostics', async (persona: string, name: string, version: number) => {
      const result = await pool.query<{ diagnostics_json: string | null }>({ ...SELECT, values: [persona, name, version] });
      return result.rows[0]?.diagnostics_json ?? null;
    }),
  };
}
