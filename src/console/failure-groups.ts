/**
 * Failures grouped: one group per cause, made by one function, failureGroupKey. A row's
 * fingerprint (traceback/fingerprint.ts) is the cause where the row has one; rows logged before
 * fingerprints (migration 9) fall back to tool, kind, error name and top frame (function, file,
 * line) in the agent's own source.
 */
import type { ExecutionRecord } from '../model.js';

export interface FailureGroup {
  key: string;
  tool: string;
  persona: string;
  kind: string;
  name: string;
  /** `parse (csv_stats.ts:4)`, or null without a frame. */
  topFrame: string | null;
  /** The newest failure's message (messages may differ within a group). */
  message: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** Versions that failed this way, ascending. */
  versions: number[];
  /** The newest failure of the group. */
  latestId: string;
}

export function failureGroupKey(r: ExecutionRecord): string {
  if (r.fingerprint !== undefined && r.fingerprint !== '') return `${r.persona}\u0000fp\u0000${r.fingerprint}`;
  return [r.persona, r.toolName, r.errorKind ?? '', r.errorName ?? '', topFrame(r) ?? ''].join('\u0000');
}

function topFrame(r: ExecutionRecord): string | null {
  const f = r.frames?.find((frame) => frame.package === undefined) ?? r.frames?.[0];
  return f ? `${f.function || '<anonymous>'} (${f.file}:${f.line})` : null;
}

/** Groups `failures` (newest first), largest groups first, then the most recent. */
export function groupFailures(failures: readonly ExecutionRecord[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup & { versionSet: Set<number> }>();
  for (const r of failures) {
    const key = failureGroupKey(r);
    let g = groups.get(key);
    if (!g) {
      g = {
        key,
        tool: r.toolName,
        persona: r.persona,
        kind: r.errorKind ?? '',
        name: r.errorName ?? '',
        topFrame: topFrame(r),
        message: r.errorMessage ?? '',
        count: 0,
        firstSeen: r.timestamp,
        lastSeen: r.timestamp,
        versions: [],
        versionSet: new Set(),
        latestId: r.id,
      };
      groups.set(key, g);
    }
    g.count++;
    if (r.timestamp < g.firstSeen) g.firstSeen = r.timestamp;
    if (r.timestamp > g.lastSeen) {
      g.lastSeen = r.timestamp;
      g.latestId = r.id;
      g.message = r.errorMessage ?? '';
    }
    if (r.version !== null) g.versionSet.add(r.version);
  }
  return [...groups.values()]
    .map(({ versionSet, ...g }) => ({ ...g, versions: [...versionSet].sort((a, b) => a - b) }))
    .sort((a, b) => b.count - a.count || (a.lastSeen < b.lastSeen ? 1 : -1));
}
