/**
 * How `chameleon tools list|show` print tools. Tool names are checked when tools are made, but
 * descriptions, schemas and source are the agent's own text: all of it is made terminal-safe.
 */
import type { ExecutionStatus, VersionRecord } from '../model.js';
import type { StoreContract } from '../store/contract.js';
import type { VersionSummary } from '../store/index.js';
import { shortTime } from './log-view.js';
import { renderTable, type Palette } from './table.js';
import { indent, terminalSafe } from '../terminal-text.js';

export interface ToolRow {
  name: string;
  activeVersion: number;
  versions: number;
  language: string;
  lastStatus: ExecutionStatus | null;
  updatedAt: string;
  description: string;
  /** Set when the active version failed its integrity check. */
  problem: string | null;
}

/** The persona's live tools with what the table shows; a damaged version does not hide the rest. */
export async function toolRows(store: Pick<StoreContract, 'tools' | 'executions'>, persona: string): Promise<ToolRow[]> {
  const statuses = await store.executions.lastStatusByTool(persona);
  const rows: ToolRow[] = [];
  for (const tool of await store.tools.list(persona)) {
    const versions = await store.tools.listVersions(persona, tool.name);
    const active = versions.find((v) => v.version === tool.activeVersion);
    let problem: string | null = null;
    try {
      await store.tools.getVersion(persona, tool.name);
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
    rows.push({
      name: tool.name,
      activeVersion: tool.activeVersion,
      versions: versions.length,
      language: active?.language ?? '?',
      lastStatus: statuses.get(tool.name) ?? null,
      updatedAt: tool.updatedAt,
      description: active?.description ?? '',
      problem,
    });
  }
  return rows;
}

export function renderToolTable(rows: readonly ToolRow[], palette: Palette, width?: number): string {
  return renderTable<ToolRow>(
    [
      { header: 'NAME', value: (r) => r.name, max: 64 },
      { header: 'VERSION', value: (r) => `${r.activeVersion} of ${r.versions}`, max: 12 },
      { header: 'LANGUAGE', value: (r) => r.language, max: 10 },
      {
        header: 'LAST CALL',
        value: (r) => (r.problem !== null ? 'DAMAGED' : (r.lastStatus ?? 'never')),
        max: 9,
        colour: (r) => (r.problem !== null || r.lastStatus === 'FAILURE' ? 'red' : r.lastStatus === 'SUCCESS' ? 'green' : 'dim'),
      },
      { header: 'UPDATED (UTC)', value: (r) => shortTime(r.updatedAt).slice(0, 19), max: 19 },
      { header: 'DESCRIPTION', value: (r) => r.problem ?? r.description, max: 100 },
    ],
    rows,
    { palette, ...(width === undefined ? {} : { width }) },
  );
}

/** One tool: metadata, its versions, and the source of the chosen version with line numbers. */
export function renderToolDetails(version: VersionRecord, versions: readonly VersionSummary[], activeVersion: number, palette: Palette, width?: number): string {
  const safe = (text: string, max = 200) => terminalSafe(text, { max });
  const field = (label: string, value: string) => `${palette.paint('bold', `${label}:`.padEnd(13))} ${value}`;
  const out = [
    palette.paint('bold', `${safe(version.toolName)} (version ${version.version}${version.version === activeVersion ? ', active' : `; active is ${activeVersion}`})`),
    field('Persona', safe(version.persona)),
    ...(version.kind === 'library' ? [field('Kind', 'library (imported as lib:' + safe(version.toolName) + ', not callable)')] : []),
    field('Language', version.language),
    field('Limits', `${version.limits.timeoutMs} ms, ${version.limits.memoryMb} MB`),
    field('Capabilities', Object.keys(version.capabilities).length === 0 ? 'none' : safe(JSON.stringify(version.capabilities), 2000)),
    ...(version.dependencies.length === 0
      ? []
      : [field('Bundles', safe(version.dependencies.map((d) => (d.kind === 'library' ? `lib:${d.name}@${d.version}` : `${d.name}@${d.version} (${d.integrity})`)).join(', '), 2000))]),
    field('Hash', version.hash),
    field('Created', version.createdAt),
    field('Description', terminalSafe(version.description, { max: 4000 })),
    '',
    palette.paint('bold', 'Input schema:'),
    indent(terminalSafe(JSON.stringify(version.inputSchema, null, 2), { multiline: true, max: 20_000 })),
    '',
    palette.paint('bold', 'Versions:'),
    indent(
      renderTable<VersionSummary>(
        [
          { header: 'VERSION', value: (v) => `${v.version}${v.version === activeVersion ? ' *' : ''}`, max: 10 },
          { header: 'ORIGIN', value: (v) => (v.origin.kind === 'rollback' ? `rollback to ${v.origin.fromVersion}` : v.origin.kind), max: 20 },
          { header: 'CREATED (UTC)', value: (v) => shortTime(v.createdAt), max: 23 },
          { header: 'HASH', value: (v) => v.hash.slice(0, 12), max: 12 },
        ],
        versions,
        { palette, ...(width === undefined ? {} : { width: width - 2 }) },
      ),
    ),
    '',
    palette.paint('bold', `Source (${version.toolName}.${SOURCE_EXTENSIONS[version.language]}, as written${version.datasource === undefined ? '' : `, on datasource ${version.datasource}`}):`),
    numberedSource(version.source, palette),
  ];
  return out.join('\n');
}

const SOURCE_EXTENSIONS = { typescript: 'ts', javascript: 'js', sql: 'sql' } as const;

/** ` 12 | code`, gutter dimmed: the numbers tracebacks and code frames refer to. */
export function numberedSource(source: string, palette: Palette): string {
  // A final newline ends the last line; it does not start another.
  const lines = terminalSafe(source, { multiline: true }).replace(/\n$/, '').split('\n');
  const gutter = String(lines.length).length;
  return lines.map((line, i) => `${palette.paint('dim', `${String(i + 1).padStart(gutter + 1)} |`)} ${line}`.trimEnd()).join('\n');
}
