/**
 * Tools and their versions on PostgreSQL, with the semantics of the SQLite store (../tools.ts:
 * its documentation is this store's): versions numbered 1, 2, 3, ... per tool, never reused,
 * never deleted; a write that makes a version activates it in the same transaction; the
 * integrity hash is checked on read; `maxLive` is enforced inside the write.
 *
 * Several replicas write one database, so what SQLite's single writer gave for free is explicit:
 * - a write locks its tool's row (SELECT ... FOR UPDATE) before it numbers a version, so
 *   concurrent writers of one tool queue and each numbers after the last committed one; the
 *   UNIQUE (tool_id, version) constraint stands behind that, and a transaction that hits a unique
 *   violation anyway (two creators of one new tool) is retried (transaction.ts);
 * - writes that count a persona's tools take a per-persona advisory lock first;
 * - every committed write that changes what a tool serves or lists sends
 *   `pg_notify('chameleon_tools', {persona, name, source})` in its transaction (listener.ts);
 * - `getVersion` reads the active pointer from the database on every call, so no replica runs a
 *   stale version once the new one's commit is visible to it; only the verified rows are cached
 *   (version-cache.ts).
 */
import type pg from 'pg';

import type { ToolRecord, VersionOrigin, VersionRecord, VersionSnapshot } from '../../model.js';
import type { Promised } from '../contract.js';
import { hashSnapshot } from '../hash.js';
import { toolFromRow, storableSnapshot, versionRow, type ToolRow, type VersionRow, type VersionSummaryRow } from '../rows.js';
import { checkActiveVersion, importClash, versionInsert, type ImportedTool } from '../tool-import.js';
import { schemaOf, type ListedTool } from '../tool-listing.js';
import { summaryFromRow, toolExists, tooManyTools, toolNotFound, verifiedVersion, type GateOutcome, type ToolStore } from '../tools.js';
import { AppError } from '../../errors.js';
import { importersFrom } from './importers.js';
import { pgGuard } from './pg-guard.js';
import { Q, versionValues, type Statement } from './tool-queries.js';
import { inTransaction, type Queryable } from './transaction.js';
import { createVersionCache } from './version-cache.js';

/** The NOTIFY channel of tool writes; listener.ts LISTENs on it. */
export const TOOLS_CHANNEL = 'chameleon_tools';

export interface PgToolStoreOptions {
  now: () => string;
  /** This store's id, sent with each NOTIFY so that its own listener can skip its own writes. */
  source: string;
}

type StoredVersionRow = VersionRow & { row_xmin: string };
type LocatedRow = ToolRow & { version_id: number | null; version_hash: string | null; version_xmin: string | null };

export function createPgToolStore(pool: pg.Pool, options: PgToolStoreOptions): Promised<ToolStore> {
  const { now, source } = options;
  const cache = createVersionCache();

  const run = async <R extends object>(db: Queryable, q: Statement, values: unknown[]): Promise<R[]> =>
    (await db.query<R>({ name: q.name, text: q.text, values })).rows;
  const first = async <R extends object>(db: Queryable, q: Statement, values: unknown[]): Promise<R | undefined> => (await run<R>(db, q, values))[0];

  const notify = (db: Queryable, persona: string, name: string) => run(db, Q.notify, [JSON.stringify({ persona, name, source })]);

  async function countLive(db: Queryable, persona: string): Promise<number> {
    return (await first<{ n: number }>(db, Q.countLive, [persona]))?.n ?? 0;
  }

  /** Inserts version max+1 of the locked `tool`, activates it unless the gate refused it, returns it. */
  async function writeVersion(db: Queryable, tool: ToolRow, snapshot: VersionSnapshot, origin: VersionOrigin, at: string, gate?: GateOutcome): Promise<VersionRecord> {
    const stored = storableSnapshot(snapshot);
    const next = required(await first<{ next: number }>(db, Q.nextVersion, [tool.id])).next;
    const row = versionRow(tool.id, next, stored, hashSnapshot(stored), origin, at, gate ?? { report: null, forced: false });
    const inserted = required(await first<StoredVersionRow>(db, Q.insertVersion, versionValues(row)));
    if (gate?.activate !== false) {
      await run(db, Q.activate, [next, at, tool.id]);
      await notify(db, tool.persona, tool.name);
    }
    return verified(tool, inserted);
  }

  function verified(tool: ToolRow, row: StoredVersionRow): VersionRecord {
    const record = verifiedVersion(tool, row);
    cache.put(row.id, row.hash, row.row_xmin, record);
    return record;
  }

  async function liveTool(db: Queryable, persona: string, name: string): Promise<ToolRow> {
    const tool = await first<ToolRow>(db, Q.lockTool, [persona, name]);
    if (tool === undefined || tool.deleted_at !== null) throw toolNotFound(name);
    return tool;
  }

  /** A version of a tool, verified; `version` undefined: the active one of a live tool. */
  async function readVersion(db: Queryable, persona: string, name: string, version: number | undefined): Promise<VersionRecord> {
    const located = await first<LocatedRow>(db, Q.locateVersion, [persona, name, version ?? null]);
    if (located === undefined || (version === undefined && located.deleted_at !== null)) throw toolNotFound(name);
    if (located.version_id === null || located.version_hash === null || located.version_xmin === null) {
      throw await versionNotFound(db, located, version ?? located.active_version);
    }
    const hit = cache.get(located.version_id, located.version_hash, located.version_xmin);
    if (hit !== undefined) return hit;
    return verified(located, required(await first<StoredVersionRow>(db, Q.versionById, [located.version_id])));
  }

  async function versionNotFound(db: Queryable, tool: ToolRow, version: number): Promise<AppError> {
    const existing = (await run<{ version: number }>(db, Q.versionNumbers, [tool.id])).map((r) => r.version).join(', ');
    return new AppError('VERSION_NOT_FOUND', `Tool \`${tool.name}\` has no version ${String(version)}. Its versions are: ${existing}.`);
  }

  return {
    create: pgGuard('create the tool', (persona: string, name: string, snapshot: VersionSnapshot, maxLive = Infinity) =>
      inTransaction(pool, async (db) => {
        // Counted inside the write, under the persona's lock: two creates cannot both take the last place.
        if (Number.isFinite(maxLive)) await run(db, Q.lockPersona, [persona]);
        const existing = await first<ToolRow>(db, Q.lockTool, [persona, name]);
        if (existing !== undefined && existing.deleted_at === null) throw toolExists(name);
        if (Number.isFinite(maxLive)) {
          const live = await countLive(db, persona);
          if (live >= maxLive) throw tooManyTools(persona, live, maxLive);
        }
        const at = now();
        // A second creator of the same new name waits on the unique index, then fails with 23505
        // and is retried: it then finds the tool and is told it exists.
        // A revived tool keeps its original created_at: its history (versions, log) is kept too.
        const tool = existing ?? required(await first<ToolRow>(db, Q.insertTool, [persona, name, 1, at, at]));
        return writeVersion(db, tool, snapshot, { kind: 'create' }, at);
      }),
    ),
    addVersion: pgGuard('save the new version', (persona: string, name: string, snapshot: VersionSnapshot, origin: VersionOrigin, gate?: GateOutcome) =>
      inTransaction(pool, async (db) => writeVersion(db, await liveTool(db, persona, name), snapshot, origin, now(), gate)),
    ),
    rollback: pgGuard('roll the tool back', (persona: string, name: string, toVersion: number) =>
      inTransaction(pool, async (db) => {
        const tool = await liveTool(db, persona, name);
        // Verified read: rolling back to a tampered version fails with INTEGRITY, not silently.
        const from = await readVersion(db, persona, name, toVersion);
        const copy = await writeVersion(db, tool, from, { kind: 'rollback', fromVersion: toVersion }, now());
        // The copy is the same code: it keeps what the type checker said about it.
        await run(db, Q.copyDiagnostics, [tool.id, toVersion, copy.version]);
        return copy;
      }),
    ),
    delete: pgGuard('delete the tool', (persona: string, name: string) =>
      inTransaction(pool, async (db) => {
        const tool = await liveTool(db, persona, name);
        const deleted = required(await first<ToolRow>(db, Q.markDeleted, [now(), tool.id]));
        await notify(db, persona, name);
        return toolFromRow(deleted);
      }),
    ),

    get: pgGuard('read the tool', async (persona: string, name: string): Promise<ToolRecord | undefined> => {
      const tool = await first<ToolRow>(pool, Q.findTool, [persona, name]);
      return tool === undefined || tool.deleted_at !== null ? undefined : Object.freeze(toolFromRow(tool));
    }),
    list: pgGuard('list the tools', async (persona: string, page?: { after: string; limit: number }) =>
      (await run<ToolRow>(pool, Q.listLive, [persona, page?.after ?? '', page?.limit ?? null])).map(toolFromRow),
    ),
    listed: pgGuard('list the tools', async (persona: string, page: { after: string; limit: number }) => {
      // One row more than asked: its presence says there are more.
      const rows = await run<{ name: string; description: string; input_schema: string }>(pool, Q.listedPage, [persona, page.after, page.limit + 1]);
      const tools: ListedTool[] = rows
        .slice(0, page.limit)
        .map((r) => Object.freeze({ name: r.name, description: r.description, inputSchema: schemaOf(r.input_schema) }));
      return { tools, more: rows.length > page.limit };
    }),
    countLive: pgGuard('count the tools', (persona: string) => countLive(pool, persona)),
    getVersion: pgGuard('read the version', (persona: string, name: string, version?: number) => readVersion(pool, persona, name, version)),
    listVersions: pgGuard('list the versions', async (persona: string, name: string) => {
      const tool = await first<ToolRow>(pool, Q.findTool, [persona, name]);
      if (tool === undefined) throw toolNotFound(name);
      return (await run<VersionSummaryRow>(pool, Q.listVersions, [tool.id])).map((row) => summaryFromRow(tool, row));
    }),
    importersOf: pgGuard('list the importers of the library', async (persona: string, name: string) =>
      importersFrom(await run<{ name: string; active_version: number; dependencies_json: string }>(pool, Q.bundling, [persona]), name),
    ),
    importTools: pgGuard('import the tools', (persona: string, tools: readonly ImportedTool[], maxLive = Infinity) =>
      inTransaction(pool, async (db) => {
        if (Number.isFinite(maxLive)) {
          await run(db, Q.lockPersona, [persona]);
          const live = await countLive(db, persona);
          if (live + tools.length > maxLive) throw tooManyTools(persona, live, maxLive, tools.length);
        }
        for (const tool of tools) {
          // A deleted tool of that name still owns its versions and log: importing over it would mix two histories.
          const existing = await first<ToolRow>(db, Q.findTool, [persona, tool.name]);
          if (existing !== undefined) throw importClash(persona, tool.name, existing.deleted_at !== null);
          checkActiveVersion(tool);
          const row = required(await first<ToolRow>(db, Q.insertTool, [persona, tool.name, tool.activeVersion, tool.createdAt, tool.updatedAt]));
          for (const version of tool.versions) await run(db, Q.insertVersion, versionValues(versionInsert(row.id, tool.name, version)));
          await notify(db, persona, tool.name);
        }
        // The deferred foreign keys (tool -> active version, version -> tool) are checked at COMMIT.
      }),
    ),
  };
}

/** For rows we just wrote or just found: their absence is a bug, not a user error. */
function required<T>(value: T | undefined): T {
  if (value === undefined) throw new AppError('INTERNAL', 'The tool store lost a row it had just written.');
  return value;
}

