/**
 * Importing tools with their whole history, as `chameleon tools import` does: every version
 * keeps its number, timestamp, origin and hash, and the tool row keeps its active version and
 * timestamps. All tools of one import go in in one IMMEDIATE transaction: all or nothing.
 *
 * The caller (service/transfer.ts) validates the file and reports every problem at once; the
 * checks here are the last line, so that the store never holds a row whose hash does not match.
 */
import type Database from 'better-sqlite3';

import { AppError } from '../errors.js';
import type { VersionOrigin, VersionSnapshot } from '../model.js';
import { guard } from './guard.js';
import { hashSnapshot } from './hash.js';
import { storableSnapshot, versionRow, type VersionInsert } from './rows.js';
import type { ToolStatements } from './tool-statements.js';

/** One version as exported: its snapshot plus the facts that are not part of the hash. */
export interface ImportedVersion extends VersionSnapshot {
  version: number;
  hash: string;
  origin: VersionOrigin;
  createdAt: string;
}

/** One tool as exported: its row and every version, oldest first. */
export interface ImportedTool {
  name: string;
  activeVersion: number;
  createdAt: string;
  updatedAt: string;
  versions: ImportedVersion[];
}

/** `checkRoom(added)` throws when the persona has no room for `added` more live tools. */
export type ImportTools = (persona: string, tools: readonly ImportedTool[], checkRoom: (added: number) => void) => void;

export function createToolImporter(db: Database.Database, s: ToolStatements): ImportTools {
  const importAll = db.transaction((persona: string, tools: readonly ImportedTool[], checkRoom: (added: number) => void) => {
    // Counted inside the write transaction, so that no concurrent create takes the room.
    checkRoom(tools.length);
    for (const tool of tools) {
      // A deleted tool of that name still owns its versions and log: importing over it would
      // mix two histories, so it is a clash too.
      const existing = s.findTool.get(persona, tool.name);
      if (existing !== undefined) throw importClash(persona, tool.name, existing.deleted_at !== null);
      checkActiveVersion(tool);
      s.insertTool.run(persona, tool.name, tool.activeVersion, tool.createdAt, tool.updatedAt);
      const row = s.findTool.get(persona, tool.name);
      if (row === undefined) throw new AppError('INTERNAL', 'The tool store lost a row it had just written.');
      for (const version of tool.versions) s.insertVersion.run(versionInsert(row.id, tool.name, version));
    }
    // The deferred foreign keys (tool -> active version, version -> tool) are checked at COMMIT.
  });
  return guard('import the tools', (persona, tools, checkRoom) => {
    importAll.immediate(persona, tools, checkRoom);
  });
}

/** The refusal of an import over an existing tool (shared with the PostgreSQL store). */
export function importClash(persona: string, name: string, deleted: boolean): AppError {
  const state = deleted ? 'exists as a deleted tool (its history is kept)' : 'already exists';
  return new AppError('TOOL_EXISTS', `Cannot import tool \`${name}\`: a tool of that name ${state} for persona \`${persona}\`. Nothing was imported.`);
}

/** Throws when the tool's active version is not among the versions it brings. */
export function checkActiveVersion(tool: ImportedTool): void {
  if (!tool.versions.some((v) => v.version === tool.activeVersion)) {
    throw new AppError('INVALID_ARGUMENT', `Cannot import tool \`${tool.name}\`: its active version ${String(tool.activeVersion)} is not among its versions. Nothing was imported.`);
  }
}

export function versionInsert(toolId: number, name: string, v: ImportedVersion): VersionInsert {
  const stored = storableSnapshot(v);
  if (hashSnapshot(stored) !== v.hash) {
    throw new AppError('INTEGRITY', `Cannot import version ${String(v.version)} of tool \`${name}\`: its content does not match its SHA-256 hash. Nothing was imported.`);
  }
  return versionRow(toolId, v.version, stored, v.hash, v.origin, v.createdAt);
}
