/**
 * Tools and their versions. A tool row points at its active version; versions are immutable
 * and numbered 1, 2, 3, ... per tool, never reused, never deleted (deleting a tool only marks
 * it). A write that makes a version activates it in the same IMMEDIATE transaction, so readers
 * see the old version or the new one, never a half-made state; except a version the regression
 * gate refused (issue 17), which is saved inactive: the active version is not always the highest.
 */
import type Database from 'better-sqlite3';

import { AppError } from '../errors.js';
import type { GateReport, ToolRecord, VersionOrigin, VersionRecord, VersionSnapshot } from '../model.js';
import { guard } from './guard.js';
import { hashSnapshot } from './hash.js';
import {
  gateFromRow,
  originFromRow,
  snapshotFromRow,
  storableSnapshot,
  versionRow,
  toolFromRow,
  type ToolRow,
  type VersionRow,
  type VersionSummaryRow,
} from './rows.js';
import { createToolImporter, type ImportedTool } from './tool-import.js';
import { createImporterQuery, type Importer } from './importers.js';
import { createLiveToolCache } from './live-tool-cache.js';
import { createToolListing, type ListedTool } from './tool-listing.js';
import { prepareToolStatements, type ToolStatements } from './tool-statements.js';

/** A version without its code: what `listVersions` returns. */
export type VersionSummary = Omit<VersionRecord, 'compiledJs' | 'sourceMap' | 'source' | 'tests'>;

export interface ToolStore {
  /**
   * Makes the tool and its version 1; revives a deleted tool of that name as version max+1.
   * Refuses (TOO_MANY_TOOLS) when the persona already has `maxLive` live tools.
   */
  create(persona: string, name: string, snapshot: VersionSnapshot, maxLive?: number): VersionRecord;
  /**
   * Adds version max+1 and makes it active, unless `gate.activate` is false (the gate refused it:
   * it is saved with its report and the active version stays). `gate.report` and `gate.forced` are kept with it.
   */
  addVersion(persona: string, name: string, snapshot: VersionSnapshot, origin: VersionOrigin, gate?: GateOutcome): VersionRecord;
  /** Copies version `toVersion` as version max+1 (origin rollback) and makes it active. */
  rollback(persona: string, name: string, toVersion: number): VersionRecord;
  /** The live tool, or undefined when it does not exist or was deleted. */
  get(persona: string, name: string): ToolRecord | undefined;
  /** Live tools in name order: all of them, or the page of at most `limit` after the name `after`. */
  list(persona: string, page?: ToolPage): ToolRecord[];
  /** What tools/list shows of a page of live tools, from memory (tool-listing.ts). */
  listed(persona: string, page: ToolPage): { tools: readonly ListedTool[]; more: boolean };
  /** How many live tools the persona has. */
  countLive(persona: string): number;
  /** Marks the tool deleted; its versions and log stay. */
  delete(persona: string, name: string): ToolRecord;
  /**
   * The active version of a live tool, or an explicit version of any tool (deleted tools
   * included, since the log refers to them). The integrity hash is checked on every call.
   */
  getVersion(persona: string, name: string, version?: number): VersionRecord;
  /** Every version, oldest first, without code; works for deleted tools too. */
  listVersions(persona: string, name: string): VersionSummary[];
  /**
   * Inserts exported tools with every version as it was (numbers, hashes, origins, timestamps),
   * all in one transaction. Refuses (TOOL_EXISTS) a name that exists, live or deleted, and
   * (INTEGRITY) a version whose content does not match its hash, and (TOO_MANY_TOOLS) an import
   * that would give the persona more than `maxLive` live tools; then nothing is written.
   */
  importTools(persona: string, tools: readonly ImportedTool[], maxLive?: number): void;
  /** The persona's live tools whose active version bundles library `name`, with the version it bundles. */
  importersOf(persona: string, name: string): Importer[];
}

/** What the regression gate decided about a new version (service/gate.ts). */
export interface GateOutcome {
  report: GateReport | null;
  forced: boolean;
  activate: boolean;
}

/** A page of tools in name order: those after the name `after`, at most `limit` of them. */
export interface ToolPage {
  after: string;
  limit: number;
}

/**
 * `afterWrite` is told of every committed write (the WAL checkpointer counts them);
 * `beforeWrite` may refuse a write by throwing (the database file is gone: index.ts).
 */
export function createToolStore(db: Database.Database, now: () => string, afterWrite: () => void = () => {}, beforeWrite: () => void = () => {}): ToolStore {
  const s = prepareToolStatements(db);
  const liveTools = createLiveToolCache(db);
  const listing = createToolListing(db);
  const written = <T>(persona: string, name: string, value: T): T => {
    liveTools.clear();
    listing.refresh(persona, name);
    afterWrite();
    return value;
  };
  const importTools = createToolImporter(db, s);
  const importers = createImporterQuery(db);
  const countLive = (persona: string): number => s.countLive.get(persona) ?? 0;

  /** Inserts version max+1 of `tool`, activates it (reviving a deleted tool), returns it. */
  function writeVersion(tool: ToolRow, snapshot: VersionSnapshot, origin: VersionOrigin, at = now(), gate?: GateOutcome): VersionRecord {
    const stored = storableSnapshot(snapshot);
    // Numbered after the highest, not the active one: a refused version keeps its number.
    const version = (s.maxVersion.get(tool.id) ?? 0) + 1;
    const row = versionRow(tool.id, version, stored, hashSnapshot(stored), origin, at, gate ?? { report: null, forced: false });
    s.insertVersion.run(row);
    if (gate?.activate !== false) s.activate.run({ version, at, toolId: tool.id });
    // Read back what we wrote, so callers get exactly what later reads will return.
    return verifiedVersion(tool, required(s.findVersion.get(tool.id, version)));
  }

  function liveTool(persona: string, name: string): ToolRow {
    const tool = s.findTool.get(persona, name);
    if (tool === undefined || tool.deleted_at !== null) throw toolNotFound(name);
    return tool;
  }

  function anyTool(persona: string, name: string): ToolRow {
    const tool = s.findTool.get(persona, name);
    if (tool === undefined) throw toolNotFound(name);
    return tool;
  }

  function readVersion(tool: ToolRow, version: number): VersionRecord {
    const row = s.findVersion.get(tool.id, version);
    if (row === undefined) throw versionNotFound(s, tool, version);
    return verifiedVersion(tool, row);
  }

  const create = db.transaction((persona: string, name: string, snapshot: VersionSnapshot, maxLive: number) => {
    const existing = s.findTool.get(persona, name);
    if (existing !== undefined && existing.deleted_at === null) throw toolExists(name);
    // Counted inside the write transaction: concurrent creates (other processes too) cannot
    // both take the last place.
    const live = countLive(persona);
    if (live >= maxLive) throw tooManyTools(persona, live, maxLive);
    const at = now();
    let tool = existing;
    if (tool === undefined) {
      // active_version 1 is checked against versions at COMMIT (deferred foreign key).
      s.insertTool.run(persona, name, 1, at, at);
      tool = required(s.findTool.get(persona, name));
    }
    // A revived tool keeps its original created_at: its history (versions, log) is kept too.
    return writeVersion(tool, snapshot, { kind: 'create' }, at);
  });

  const addVersion = db.transaction(
    (persona: string, name: string, snapshot: VersionSnapshot, origin: VersionOrigin, gate?: GateOutcome) =>
      writeVersion(liveTool(persona, name), snapshot, origin, now(), gate),
  );

  // The copy is the same code: it keeps what the type checker said about it (migration 10).
  const copyDiagnostics = db.prepare<{ toolId: number; from: number; to: number }>(
    `UPDATE versions SET diagnostics_json = (SELECT diagnostics_json FROM versions WHERE tool_id = @toolId AND version = @from)
      WHERE tool_id = @toolId AND version = @to`,
  );
  const rollback = db.transaction((persona: string, name: string, toVersion: number) => {
    const tool = liveTool(persona, name);
    // Verified read: rolling back to a tampered version fails with INTEGRITY, not silently.
    const source = readVersion(tool, toVersion);
    const copy = writeVersion(tool, source, { kind: 'rollback', fromVersion: toVersion });
    copyDiagnostics.run({ toolId: tool.id, from: toVersion, to: copy.version });
    return copy;
  });

  const remove = db.transaction((persona: string, name: string) => {
    const tool = liveTool(persona, name);
    s.markDeleted.run({ at: now(), toolId: tool.id });
    return toolFromRow(required(s.findTool.get(persona, name)));
  });

  return {
    // IMMEDIATE takes the write lock up front. A DEFERRED transaction that reads and then
    // writes can fail at once with SQLITE_BUSY when another connection wrote in between,
    // without waiting for busy_timeout.
    create: guard('create the tool', (persona, name, snapshot, maxLive = Infinity) => {
      beforeWrite();
      return written(persona, name, create.immediate(persona, name, snapshot, maxLive));
    }),
    addVersion: guard('save the new version', (persona, name, snapshot, origin, gate) => {
      beforeWrite();
      return written(persona, name, addVersion.immediate(persona, name, snapshot, origin, gate));
    }),
    rollback: guard('roll the tool back', (persona, name, toVersion) => {
      beforeWrite();
      return written(persona, name, rollback.immediate(persona, name, toVersion));
    }),
    delete: guard('delete the tool', (persona, name) => {
      beforeWrite();
      return written(persona, name, remove.immediate(persona, name));
    }),

    get: guard('read the tool', (persona, name) =>
      liveTools.get(persona, name, () => {
        const tool = s.findTool.get(persona, name);
        return tool === undefined || tool.deleted_at !== null ? undefined : Object.freeze(toolFromRow(tool));
      }),
    ),
    list: guard('list the tools', (persona, page) => s.listLive.all({ persona, after: page?.after ?? '', limit: page?.limit ?? -1 }).map(toolFromRow)),
    listed: guard('list the tools', (persona, page) => listing.page(persona, page.after, page.limit)),
    countLive: guard('count the tools', (persona) => listing.count(persona)),
    getVersion: guard('read the version', (persona, name, version) => {
      if (version === undefined) {
        const tool = liveTool(persona, name);
        return readVersion(tool, tool.active_version);
      }
      return readVersion(anyTool(persona, name), version);
    }),
    listVersions: guard('list the versions', (persona, name) => {
      const tool = anyTool(persona, name);
      return s.listVersions.all(tool.id).map((row) => summaryFromRow(tool, row));
    }),
    importersOf: guard('list the importers of the library', (persona, name) => importers(persona, name)),
    importTools: (persona, tools, maxLive = Infinity) => {
      beforeWrite();
      try {
        importTools(persona, tools, (added) => {
          const live = countLive(persona);
          if (live + added > maxLive) throw tooManyTools(persona, live, maxLive, added);
        });
      } finally {
        liveTools.clear();
        listing.forget(persona);
      }
      afterWrite();
    },
  };
}

/** Maps a version row, recomputing its hash; throws INTEGRITY when it does not match. */
export function verifiedVersion(tool: ToolRow, row: VersionRow): VersionRecord {
  let snapshot: VersionSnapshot;
  try {
    snapshot = snapshotFromRow(row);
  } catch (error) {
    throw integrityFailure(tool.name, row.version, error);
  }
  if (hashSnapshot(snapshot) !== row.hash) throw integrityFailure(tool.name, row.version);
  return {
    ...snapshot,
    kind: snapshot.kind ?? 'tool',
    dependencies: snapshot.dependencies ?? [],
    persona: tool.persona,
    toolName: tool.name,
    version: row.version,
    hash: row.hash,
    origin: originFromRow(row.origin_kind, row.origin_from_version),
    createdAt: row.created_at,
    gate: gateFromRow(row.gate_json),
    forced: row.forced === 1,
  };
}

export function summaryFromRow(tool: ToolRow, row: VersionSummaryRow): VersionSummary {
  return {
    persona: tool.persona,
    toolName: tool.name,
    version: row.version,
    hash: row.hash,
    origin: originFromRow(row.origin_kind, row.origin_from_version),
    createdAt: row.created_at,
    description: row.description,
    // A summary is for display; a damaged schema shows as {} here and fails loudly on load.
    inputSchema: parseObjectOrEmpty(row.input_schema),
    language: row.language as VersionSummary['language'],
    limits: { timeoutMs: row.timeout_ms, memoryMb: row.memory_mb },
    capabilities: parseObjectOrEmpty(row.capabilities_json ?? '{}'),
    kind: row.kind === 'library' ? 'library' : 'tool',
    dependencies: parseArrayOrEmpty(row.dependencies_json) as VersionSummary['dependencies'],
    ...(row.datasource === null ? {} : { datasource: row.datasource }),
    ...(row.replay_safe === 1 ? { replaySafe: true } : {}),
    gate: gateFromRow(row.gate_json),
    forced: row.forced === 1,
    ...(row.strict_types === 1 ? { strictTypes: true as const } : {}),
  };
}

function parseArrayOrEmpty(text: string | null): unknown[] {
  if (text === null) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

function parseObjectOrEmpty(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** For rows we just wrote or just found: their absence is a bug, not a user error. */
function required<T>(value: T | undefined): T {
  if (value === undefined) throw new AppError('INTERNAL', 'The tool store lost a row it had just written.');
  return value;
}

export function toolExists(name: string): AppError {
  return new AppError('TOOL_EXISTS', `Tool \`${name}\` already exists. Call \`update_tool\` to change it, or pick another name.`);
}

/**
 * The refusal when a persona has no room: the cap is the config's limits.maxToolsPerPersona,
 * named so that the reader knows what to change. `importing`: the size of a refused import.
 */
export function tooManyTools(persona: string, live: number, maxLive: number, importing?: number): AppError {
  const state =
    importing === undefined
      ? `Persona \`${persona}\` has ${live} tools, the most allowed (limits.maxToolsPerPersona = ${maxLive}).`
      : `Importing ${importing} tool${importing === 1 ? '' : 's'} would give persona \`${persona}\` ${live + importing} tools, over the cap (limits.maxToolsPerPersona = ${maxLive}); nothing was imported.`;
  return new AppError(
    'TOO_MANY_TOOLS',
    `${state} Delete tools that are no longer needed (delete_tool), or raise limits.maxToolsPerPersona in the config file (--config or CHAMELEON_CONFIG).`,
  );
}

export function toolNotFound(name: string): AppError {
  return new AppError('TOOL_NOT_FOUND', `Tool \`${name}\` not found. Call \`list_tools\` to see the tools you have.`);
}

function versionNotFound(s: ToolStatements, tool: ToolRow, version: number): AppError {
  const existing = s.versionNumbers.all(tool.id).join(', ');
  return new AppError(
    'VERSION_NOT_FOUND',
    `Tool \`${tool.name}\` has no version ${String(version)}. Its versions are: ${existing}.`,
  );
}

export function integrityFailure(name: string, version: number, cause?: unknown): AppError {
  return new AppError(
    'INTEGRITY',
    `Version ${String(version)} of tool \`${name}\` failed its integrity check: the stored code does not match ` +
      'its SHA-256 hash. Roll back to another version or recreate the tool.',
    { cause },
  );
}
