/**
 * Two versions of a tool side by side (issue 17, item 4): a unified diff of their sources, what
 * changed in their metadata, and how each fared (calls, failures, the latest failure with its
 * fingerprint). get_tool's `diff`, `chameleon tools diff` and the web console call diffVersions.
 */
import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from 'diff';

import { AppError } from '../errors.js';
import type { VersionRecord } from '../model.js';
import type { StoreContract } from '../store/contract.js';
import { canonicalJsonValue } from '../store/index.js';
import { assertToolName } from './names.js';

/**
 * jsdiff's line diff is O(N·D): two large sources that differ everywhere could hold the event
 * loop for seconds. Past this it gives up and the answer says so instead.
 */
const DIFF_TIMEOUT_MS = 200;
/** Lines of context around each change, as `git diff` shows. */
const CONTEXT_LINES = 3;
/** A metadata value longer than this (a big input schema) is cut in the answer. */
const MAX_METADATA_VALUE_CHARS = 600;

export interface VersionSide {
  version: number;
  createdAt: string;
  origin: VersionRecord['origin'];
  active: boolean;
  /** Calls of this version (any depth). */
  calls: number;
  failures: number;
  /** Its latest failed call; null when none failed. */
  lastFailure: { executionId: string; at: string; kind: string; name: string; message: string; fingerprint: string | null } | null;
}

export interface MetadataChange {
  /** As get_tool names it: `description`, `input_schema`, `timeout_ms`, `memory_mb`, `capabilities`, ... */
  field: string;
  /** JSON text of the value in each version (cut when long); `null` when it has none. */
  from: string;
  to: string;
}

export interface VersionDiff {
  tool: string;
  file: string;
  from: VersionSide;
  to: VersionSide;
  /** Unified diff of the sources (`---`/`+++` headers, hunks); empty when they are the same. */
  unified: string;
  /** Lines added and removed; null (with `unified` empty) when the diff gave up (see DIFF_TIMEOUT_MS). */
  added: number | null;
  removed: number | null;
  metadata: MetadataChange[];
}

/**
 * Compares version `from` with version `to` of a tool. Defaults: `to` is the active version,
 * `from` the version before `to` that went live (not one the regression gate refused).
 */
export async function diffVersions(store: Pick<StoreContract, 'tools' | 'failureGroups'>, persona: string, name: string, from?: number, to?: number): Promise<VersionDiff> {
  assertToolName(name);
  const tool = await store.tools.get(persona, name);
  if (!tool) throw new AppError('TOOL_NOT_FOUND', `Tool \`${name}\` not found. Call \`list_tools\` to see the tools you have.`);
  const toVersion = to ?? tool.activeVersion;
  const versions = await store.tools.listVersions(persona, name);
  const numbers = versions.map((v) => v.version);
  // By default the version before `to` that went live: one the regression gate refused never
  // served a call, and the question a diff answers is what changed for the callers.
  const live = versions.filter((v) => !(v.gate !== null && !v.gate.passed && !v.forced)).map((v) => v.version);
  const fromVersion = from ?? Math.max(...live.filter((v) => v < toVersion), 0);
  if (fromVersion === 0) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `Version ${toVersion} is the first version of \`${name}\`: there is no earlier one to compare it with. Give diff.from and diff.to (its versions are ${numbers.join(', ')}).`,
    );
  }
  const a = await store.tools.getVersion(persona, name, fromVersion);
  const b = await store.tools.getVersion(persona, name, toVersion);
  const file = `${name}.${EXTENSIONS[b.language]}`;
  // No call of a version started before the version was made.
  const since = a.createdAt < b.createdAt ? a.createdAt : b.createdAt;
  const [statsA, statsB] = await store.failureGroups.versionStats(persona, name, [fromVersion, toVersion], since);
  const side = (v: VersionRecord, stats: typeof statsA): VersionSide => ({
    version: v.version,
    createdAt: v.createdAt,
    origin: v.origin,
    active: v.version === tool.activeVersion,
    calls: stats?.calls ?? 0,
    failures: stats?.failures ?? 0,
    lastFailure:
      stats?.lastFailure == null
        ? null
        : {
            executionId: stats.lastFailure.id,
            at: stats.lastFailure.timestamp,
            kind: stats.lastFailure.errorKind ?? 'internal',
            name: stats.lastFailure.errorName ?? 'Error',
            message: stats.lastFailure.errorMessage ?? '',
            fingerprint: stats.lastFailure.fingerprint ?? null,
          },
  });
  return { tool: name, file, from: side(a, statsA), to: side(b, statsB), ...sourceDiff(file, a, b), metadata: metadataChanges(a, b) };
}

const EXTENSIONS = { typescript: 'ts', javascript: 'js', sql: 'sql' } as const;

function sourceDiff(file: string, a: VersionRecord, b: VersionRecord): Pick<VersionDiff, 'unified' | 'added' | 'removed'> {
  if (a.source === b.source) return { unified: '', added: 0, removed: 0 };
  const patch = structuredPatch(`${file}@v${a.version}`, `${file}@v${b.version}`, a.source, b.source, undefined, undefined, { context: CONTEXT_LINES, timeout: DIFF_TIMEOUT_MS });
  if (patch === undefined) return { unified: '', added: null, removed: null };
  let added = 0;
  let removed = 0;
  for (const hunk of patch.hunks) {
    for (const line of hunk.lines) {
      if (line.startsWith('+')) added++;
      else if (line.startsWith('-')) removed++;
    }
  }
  return { unified: formatPatch(patch, FILE_HEADERS_ONLY), added, removed };
}

/** The metadata fields that differ, in the order get_tool lists them. */
export function metadataChanges(a: VersionRecord, b: VersionRecord): MetadataChange[] {
  const fields: Array<[string, (v: VersionRecord) => unknown]> = [
    ['kind', (v) => v.kind],
    ['language', (v) => v.language],
    ['datasource', (v) => v.datasource ?? null],
    ['description', (v) => v.description],
    ['input_schema', (v) => canonicalJsonValue(v.inputSchema)],
    ['timeout_ms', (v) => v.limits.timeoutMs],
    ['memory_mb', (v) => v.limits.memoryMb],
    ['capabilities', (v) => canonicalJsonValue(v.capabilities)],
    ['dependencies', (v) => v.dependencies.map((d) => (d.kind === 'library' ? `lib:${d.name}@${d.version}` : `${d.name}@${d.version}`))],
  ];
  const changes: MetadataChange[] = [];
  for (const [field, read] of fields) {
    const from = JSON.stringify(read(a)) ?? 'null';
    const to = JSON.stringify(read(b)) ?? 'null';
    if (from !== to) changes.push({ field, from: cut(from), to: cut(to) });
  }
  return changes;
}

function cut(text: string): string {
  return text.length <= MAX_METADATA_VALUE_CHARS ? text : `${text.slice(0, MAX_METADATA_VALUE_CHARS)}…[${text.length} characters]`;
}

/** The diff as text for an agent (get_tool) or a plain terminal: figures, metadata, then the patch. */
export function versionDiffText(d: VersionDiff): string {
  const fared = (s: VersionSide) => {
    const last = s.lastFailure === null ? '' : `; last failure ${s.lastFailure.name}: ${s.lastFailure.message.slice(0, 200)} (fingerprint ${s.lastFailure.fingerprint ?? 'none'}, ${s.lastFailure.at})`;
    return `v${s.version}${s.active ? ' (active)' : ''}: ${s.calls} call${s.calls === 1 ? '' : 's'}, ${s.failures} failed${last}`;
  };
  const lines = [`Diff of ${d.tool} v${d.from.version} → v${d.to.version}:`, fared(d.from), fared(d.to)];
  if (d.metadata.length > 0) lines.push('Metadata changed:', ...d.metadata.map((m) => `  ${m.field}: ${m.from} → ${m.to}`));
  if (d.added === null) lines.push(`The sources differ too much to diff within ${DIFF_TIMEOUT_MS} ms; read both with get_tool's version.`);
  else if (d.unified === '') lines.push('The sources are the same.');
  else lines.push(`Source: +${d.added} -${d.removed} lines`, d.unified.trimEnd());
  return lines.join('\n');
}
