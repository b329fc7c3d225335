/**
 * Which recent calls the regression gate replays (issue 17, item 3): successful calls agents
 * made of the active version (roots only: a call another tool made ran under its caller's
 * arguments and deadline), newest first, distinct by a hash of their arguments, at most
 * config gate.replayCalls of them.
 *
 * A tool whose manifest has side effects outside the server is not replayed: fetch (a request
 * to another system, maybe a POST), mcp (an upstream tool may write) and tools (another tool's
 * calls may do either, and they are logged as that tool's). Replaying those would repeat the
 * effect (or, for a GET, judge the patch by a remote service's mood), so they are skipped
 * unless the version says `replay_safe: true`. kv and sql are replayed: ctx.sql is read-only,
 * and a gate case's kv writes are dropped (gate-case.ts), so the replay can read state but
 * never change it.
 */
import { createHash } from 'node:crypto';

import type { Capabilities } from '../model.js';
import type { StoreContract } from '../store/contract.js';
import { canonicalJsonValue, type ReplayableCall } from '../store/index.js';

/** Log rows read at most to find the distinct calls: a tool called the same way 10,000 times costs this many. */
const MAX_ROWS_SCANNED = 1_000;

/** The capabilities that reach outside the server, in the order a reason names them. */
const SIDE_EFFECTS = ['fetch', 'mcp', 'tools'] as const;

/** Why replays of this version are skipped for its side effects, or null when they run. */
export function sideEffectsReason(capabilities: Capabilities, replaySafe: boolean): string | null {
  const used = SIDE_EFFECTS.filter((c) => capabilities[c] !== undefined);
  if (used.length === 0 || replaySafe) return null;
  return `its capabilities (${used.join(', ')}) reach outside the server, and replaying a call would repeat what it did there; declare tests, or set replay_safe: true if its calls may be repeated`;
}

export interface Replay {
  args: Record<string, unknown>;
  argumentsJson: string;
  /** The result the earlier call gave, as the log kept it. */
  resultSummary: string | null;
}

/** Up to `max` distinct recent successful calls of `version`, newest first. */
export async function replaysOf(store: Pick<StoreContract, 'executions'>, persona: string, toolName: string, version: number, max: number): Promise<Replay[]> {
  if (max <= 0) return [];
  const seen = new Set<string>();
  const replays: Replay[] = [];
  for (const row of await store.executions.recentSuccesses(persona, toolName, version, MAX_ROWS_SCANNED)) {
    const args = parsedArguments(row);
    if (args === null) continue;
    const key = argumentsHash(args);
    if (seen.has(key)) continue;
    seen.add(key);
    replays.push({ args, argumentsJson: row.argumentsJson, resultSummary: row.resultSummary });
    if (replays.length >= max) break;
  }
  return replays;
}

/** SHA-256 of the arguments as canonical JSON: `{a:1,b:2}` and `{b:2,a:1}` are one call. */
export function argumentsHash(args: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonicalJsonValue(args))).digest('hex');
}

/** The logged arguments, or null when the log kept only a cut summary of them (too large to replay). */
function parsedArguments(row: ReplayableCall): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(row.argumentsJson);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
