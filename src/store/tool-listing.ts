/**
 * What tools/list shows of a persona's live tools (name, description and input schema of the
 * active version), held in memory in name order. Listing 10,000 tools by reading and hashing
 * every active version took over a second of the event loop, and eight clients re-listing on
 * each change blocked the server for five (issue 12); a page from this table costs its size.
 *
 * Kept up to date two ways:
 * - this connection's own writes re-read just the tool they wrote (`refresh`);
 * - another connection's commits (a second server or `chameleon tools import` on the same file)
 *   move `PRAGMA data_version`. Log rows move it too, so a cheap signature of the tool tables
 *   decides whether anything listed may have changed, and only then are the active versions
 *   compared (one light scan) and the tools that changed re-read.
 *
 * The signature is exact without a schema change: every write that changes what is listed
 * inserts a version row (create, update, rollback, revival, import: versions are never
 * deleted, so the largest version id only grows) or deletes a tool (the count of deleted tools
 * grows; only a revival lowers it, and a revival inserts a version).
 *
 * Listed metadata is not checked against the version's hash here (that means reading the
 * code): a damaged version still fails with INTEGRITY when it is loaded to run.
 */
import type Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';

export interface ListedTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

export interface ToolListing {
  /**
   * At most `limit` live tools whose names sort after `after` ('' for the first), in name
   * order. Libraries are left out: they are imported, never called, so tools/list has no place
   * for them (issue 15).
   */
  page(persona: string, after: string, limit: number): { tools: readonly ListedTool[]; more: boolean };
  /** Live tools of the persona. */
  count(persona: string): number;
  /** Re-reads one tool that this connection just wrote. */
  refresh(persona: string, name: string): void;
  /** Drops a persona's table, to be read again on next use (after writing many tools at once). */
  forget(persona: string): void;
}

interface ListedRow {
  name: string;
  active_version: number;
  description: string;
  input_schema: string;
  kind: string;
}

interface Table {
  /** Sorted; names are ASCII (NAME_PATTERN), so code-unit order is SQLite's BINARY order. */
  names: string[];
  entries: Map<string, { tool: ListedTool; activeVersion: number; library: boolean }>;
  seenDataVersion: number | null;
  seenSignature: string;
}

/**
 * One table per persona a process lists. A server serves one persona (`--persona`), so this
 * stays at one or two; the bound only keeps a caller that lists many personas from holding all.
 */
const MAX_TABLES = 8;
/** Past this many changed tools, reading the whole table again is cheaper than one by one. */
const MAX_PIECEWISE = 500;

export function createToolListing(db: Database.Database): ToolListing {
  const listedColumns = `SELECT t.name, t.active_version, v.description, v.input_schema, v.kind
      FROM tools t JOIN versions v ON v.tool_id = t.id AND v.version = t.active_version
     WHERE t.persona = ? AND t.deleted_at IS NULL`;
  const allListed = db.prepare<[persona: string], ListedRow>(listedColumns);
  const oneListed = db.prepare<[persona: string, name: string], ListedRow>(`${listedColumns} AND t.name = ?`);
  const activeVersions = db.prepare<[persona: string], { name: string; active_version: number }>(
    'SELECT name, active_version FROM tools WHERE persona = ? AND deleted_at IS NULL',
  );
  const signatureOf = db
    .prepare<[], string>(`SELECT (SELECT ifnull(max(id), 0) FROM versions) || '/' || (SELECT count(*) FROM tools WHERE deleted_at IS NOT NULL)`)
    .pluck();
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  const tables = new LRUCache<string, Table>({ max: MAX_TABLES });

  function load(persona: string): Table {
    // Data version and signature first: a commit landing between them and the rows makes the
    // next read look again, never miss it.
    const table: Table = { names: [], entries: new Map(), seenDataVersion: dataVersion.get() ?? null, seenSignature: signatureOf.get() ?? '' };
    for (const row of allListed.iterate(persona)) {
      table.names.push(row.name);
      table.entries.set(row.name, entryOf(row));
    }
    table.names.sort(byName);
    return table;
  }

  /** Brings `table` up to date with what other connections committed since it last looked. */
  function catchUp(persona: string, table: Table): Table {
    const version = dataVersion.get() ?? null;
    if (version === table.seenDataVersion) return table;
    const signature = signatureOf.get() ?? '';
    if (signature !== table.seenSignature) {
      const changed: string[] = [];
      const live = new Set<string>();
      for (const row of activeVersions.iterate(persona)) {
        live.add(row.name);
        if (table.entries.get(row.name)?.activeVersion !== row.active_version) changed.push(row.name);
      }
      const gone = table.names.filter((name) => !live.has(name));
      if (changed.length + gone.length > MAX_PIECEWISE) return replace(persona);
      for (const name of gone) remove(table, name);
      for (const name of changed) put(table, name, oneListed.get(persona, name));
    }
    table.seenDataVersion = version;
    table.seenSignature = signature;
    return table;
  }

  function replace(persona: string): Table {
    const table = load(persona);
    tables.set(persona, table);
    return table;
  }

  function current(persona: string): Table {
    const table = tables.get(persona);
    return table ? catchUp(persona, table) : replace(persona);
  }

  return {
    page(persona, after, limit) {
      const table = current(persona);
      const tools: ListedTool[] = [];
      let i = firstAfter(table.names, after);
      // Past the libraries one by one: a page costs its size plus the libraries in between.
      for (; i < table.names.length && tools.length < limit; i++) {
        const entry = table.entries.get(table.names[i]!)!;
        if (!entry.library) tools.push(entry.tool);
      }
      while (i < table.names.length && table.entries.get(table.names[i]!)!.library) i++;
      return { tools, more: i < table.names.length };
    },
    count: (persona) => current(persona).names.length,
    refresh(persona, name) {
      const table = tables.get(persona);
      if (table) put(table, name, oneListed.get(persona, name));
    },
    forget(persona) {
      tables.delete(persona);
    },
  };
}

/** Sets `name` to `row`, or removes it when the row is gone (deleted tool). */
function put(table: Table, name: string, row: ListedRow | undefined): void {
  if (row === undefined) return remove(table, name);
  if (!table.entries.has(name)) table.names.splice(firstAfter(table.names, name, true), 0, name);
  table.entries.set(name, entryOf(row));
}

function remove(table: Table, name: string): void {
  if (!table.entries.delete(name)) return;
  table.names.splice(firstAfter(table.names, name, true), 1);
}

function entryOf(row: ListedRow): { tool: ListedTool; activeVersion: number; library: boolean } {
  return { tool: Object.freeze({ name: row.name, description: row.description, inputSchema: schemaOf(row.input_schema) }), activeVersion: row.active_version, library: row.kind === 'library' };
}

/** A damaged schema lists as an empty object schema; running the tool fails loudly on it. */
export function schemaOf(text: string): Readonly<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Falls through.
  }
  return { type: 'object' };
}

/** Index of the first name > `name` (or >= it, with `inclusive`), by binary search. */
function firstAfter(names: readonly string[], name: string, inclusive = false): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const here = names[mid]!;
    if (here < name || (!inclusive && here === name)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
