/**
 * Failures told apart by fingerprint (traceback/fingerprint.ts): how often one was seen, since
 * when and in which versions (get_last_error), and the log grouped by them (list_executions
 * group_by, `chameleon logs --groups`). Functions of the store, so that the CLI, which opens the
 * store without a server, calls the same ones.
 */
import { AppError } from '../errors.js';
import type { ExecutionRecord, Frame } from '../model.js';
import type { StoreContract } from '../store/contract.js';
import type { VersionSummary } from '../store/index.js';
import { parseSince, SINCE_FORMS } from './since.js';

export interface FailureOccurrences {
  fingerprint: string;
  /** Every failure of the tool with this fingerprint, at any depth, refused code included. */
  occurrences: number;
  /** ISO 8601 start of the first and the latest. */
  firstSeen: string;
  lastSeen: string;
  /** The versions it happened in, ascending; null stands for refused code (a create/update that saved nothing). */
  versions: Array<number | null>;
  /** The first version after the last one it happened in, when the tool has moved past it (else null). */
  notSeenSince: number | null;
}

/** The occurrences of a failure row's fingerprint; null for a row without one (logged before fingerprints existed). */
export async function occurrencesOf(store: Pick<StoreContract, 'failureGroups' | 'tools'>, row: ExecutionRecord): Promise<FailureOccurrences | null> {
  if (row.fingerprint === undefined) return null;
  const byVersion = await store.failureGroups.occurrences(row.persona, row.toolName, row.fingerprint);
  if (byVersion.length === 0) return null;
  const versions = byVersion.map((v) => v.version);
  return {
    fingerprint: row.fingerprint,
    occurrences: byVersion.reduce((n, v) => n + v.count, 0),
    firstSeen: byVersion.reduce((min, v) => (v.firstAt < min ? v.firstAt : min), byVersion[0]!.firstAt),
    lastSeen: byVersion.reduce((max, v) => (v.lastAt > max ? v.lastAt : max), byVersion[0]!.lastAt),
    versions,
    notSeenSince: await firstVersionWithout(store, row, versions),
  };
}

/**
 * The lowest version above every version the failure was seen in, if the tool's active version
 * is not one of those. Versions the regression gate refused never went live: they are skipped.
 */
async function firstVersionWithout(store: Pick<StoreContract, 'tools'>, row: ExecutionRecord, seen: ReadonlyArray<number | null>): Promise<number | null> {
  const numbered = seen.filter((v): v is number => v !== null);
  if (numbered.length === 0) return null;
  const tool = await store.tools.get(row.persona, row.toolName);
  if (tool === undefined || numbered.includes(tool.activeVersion)) return null;
  const highest = Math.max(...numbered);
  const refused = (v: VersionSummary) => v.gate !== null && !v.gate.passed && !v.forced;
  const later = (await store.tools.listVersions(row.persona, row.toolName)).filter((v) => v.version > highest && !refused(v));
  return later.length === 0 ? null : Math.min(...later.map((v) => v.version));
}

/** `v2–v4, v7` (runs of consecutive numbers joined), with `refused code` for null. */
export function versionRanges(versions: ReadonlyArray<number | null>): string {
  const numbers = [...new Set(versions.filter((v): v is number => v !== null))].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; i++) {
    const start = numbers[i]!;
    while (i + 1 < numbers.length && numbers[i + 1] === numbers[i]! + 1) i++;
    parts.push(numbers[i] === start ? `v${start}` : `v${start}–v${numbers[i]}`);
  }
  if (versions.includes(null)) parts.push('refused code');
  return parts.join(', ');
}

/** `2026-12-06T09:00:12Z`: the log's time to the second, as people read it. */
export function toTheSecond(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** "Seen 7 times in v2–v3 since 2026-12-06T09:00:12Z (fingerprint 1a2b...); not seen since v4." */
export function occurrencesText(o: FailureOccurrences): string {
  const where = versionRanges(o.versions);
  const seen =
    o.occurrences === 1
      ? `Seen once (fingerprint ${o.fingerprint}): the first failure of this kind, at this place, with this message.`
      : `Seen ${o.occurrences} times in ${where} since ${toTheSecond(o.firstSeen)}, last at ${toTheSecond(o.lastSeen)} (fingerprint ${o.fingerprint})`;
  if (o.occurrences === 1) return o.notSeenSince === null ? seen : `${seen} Not seen since v${o.notSeenSince}.`;
  return `${seen}${o.notSeenSince === null ? '.' : `; not seen since v${o.notSeenSince}.`}`;
}

export interface FailureGroup {
  fingerprint: string;
  tool: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  versions: Array<number | null>;
  /** Of the latest failure in the group. */
  kind: NonNullable<ExecutionRecord['errorKind']>;
  name: string;
  message: string;
  /** Where the latest one failed: the innermost frame in the agent's own code, or null. */
  location: Frame | null;
  sampleExecutionId: string;
}

export interface FailureGroupsQuery {
  toolName?: string;
  /** ISO 8601; only failures at or after it are counted. */
  since?: string;
  includeNested?: boolean;
  /** At most this many groups, most recently seen first (default 50, at most 1,000). */
  limit?: number;
}

/** The persona's fingerprinted failures grouped by tool and fingerprint, most recently seen first. */
export async function failureGroups(store: Pick<StoreContract, 'failureGroups'>, persona: string, query: FailureGroupsQuery = {}): Promise<FailureGroup[]> {
  const limit = Math.min(1000, Math.max(1, Math.floor(query.limit ?? 50)));
  const rows = await store.failureGroups.groups(persona, {
    limit,
    ...(query.toolName === undefined ? {} : { toolName: query.toolName }),
    ...(query.since === undefined ? {} : { since: query.since }),
    ...(query.includeNested === true ? { includeNested: true } : {}),
  });
  return rows.map((r) => ({
    fingerprint: r.fingerprint,
    tool: r.toolName,
    count: r.count,
    firstSeen: r.firstSeen,
    lastSeen: r.lastSeen,
    versions: r.versions,
    kind: r.sample.errorKind ?? 'internal',
    name: r.sample.errorName ?? 'Error',
    message: r.sample.errorMessage ?? '',
    location: r.sample.frames?.find((f) => f.package === undefined) ?? null,
    sampleExecutionId: r.sample.id,
  }));
}

/** failureGroups with `since` as people write it (an ISO time or an age such as 2h), as list_executions takes it. */
export async function failureGroupsSince(store: Pick<StoreContract, 'failureGroups'>, persona: string, nowMs: number, query: Omit<FailureGroupsQuery, 'since'> & { since?: string }): Promise<FailureGroup[]> {
  if (query.since === undefined) return await failureGroups(store, persona, query);
  const since = parseSince(query.since, nowMs);
  if (since === null) throw new AppError('INVALID_ARGUMENT', `since must be ${SINCE_FORMS}; got ${JSON.stringify(query.since.slice(0, 100))}.`);
  return await failureGroups(store, persona, { ...query, since });
}
