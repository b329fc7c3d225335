import type { Capabilities, Dependency, ExecutionRecord, Failure, FailureFacts, Frame, GateReport, Language, ToolKind, VersionRecord } from '../model.js';
import type { VersionSuccesses, VersionSummary } from '../store/index.js';
import type { FailureOccurrences } from './failure-groups.js';
import type { CheckerWarning } from './checker-warning.js';

/** A tool as the agent sees it: the active version's metadata plus its history. */
export interface ToolView {
  name: string;
  persona: string;
  /** `library`: imported by other tools (`lib:<name>`), never called. */
  kind: ToolKind;
  description: string;
  language: Language;
  /** A SQL tool's datasource. */
  datasource?: string;
  inputSchema: Record<string, unknown>;
  timeoutMs: number;
  memoryMb: number;
  capabilities: Capabilities;
  /** The libraries and packages the active version bundled, pinned. */
  dependencies: Dependency[];
  /** Set when the active version opted into strict types (issue 17). */
  strictTypes?: true;
  activeVersion: number;
  hash: string;
  createdAt: string;
  updatedAt: string;
}

export interface VersionView {
  version: number;
  hash: string;
  createdAt: string;
  origin: VersionRecord['origin'];
  active: boolean;
  /** The gate's report when an update or edit ran it. */
  gate: GateReport | null;
  forced: boolean;
}

export function toolView(version: VersionRecord, tool: { createdAt: string; updatedAt: string }): ToolView {
  return {
    name: version.toolName,
    persona: version.persona,
    kind: version.kind,
    description: version.description,
    language: version.language,
    ...(version.datasource === undefined ? {} : { datasource: version.datasource }),
    inputSchema: version.inputSchema,
    timeoutMs: version.limits.timeoutMs,
    memoryMb: version.limits.memoryMb,
    capabilities: version.capabilities,
    dependencies: version.dependencies,
    ...(version.strictTypes === true ? { strictTypes: true as const } : {}),
    activeVersion: version.version,
    hash: version.hash,
    createdAt: tool.createdAt,
    updatedAt: tool.updatedAt,
  };
}

export function versionView(v: VersionSummary, activeVersion: number): VersionView {
  return { version: v.version, hash: v.hash, createdAt: v.createdAt, origin: v.origin, active: v.version === activeVersion, gate: v.gate, forced: v.forced };
}

/** What get_last_error gives the agent: the structured failure plus a readable traceback. */
export interface LastErrorView {
  executionId: string;
  tool: string;
  version: number | null;
  persona: string;
  timestamp: string;
  arguments: unknown;
  status: 'FAILURE';
  operation: ExecutionRecord['operation'];
  error: FailureFacts & {
    kind: Failure['kind'];
    name: string;
    message: string;
    frames: Frame[];
    codeFrame: string | null;
    rawStack: string | null;
  };
  console: string;
  /** What happened to the tool after this failure. */
  sinceFailure: SinceFailure;
  /** How often this failure (by fingerprint) was seen, since when, in which versions; null for a row logged before fingerprints. */
  occurrences: FailureOccurrences | null;
  /** The type checker's warning, at that version's save, about a line the failure passed through. */
  checkerWarning?: CheckerWarning;
  /** What to do next, for whoever must act (see advice.ts). */
  advice: string;
  /** Python-style traceback in the agent's own lines, then what happened since, the advice and the end of the console output. */
  text: string;
}

export interface SinceFailure {
  /** The tool's active version now; null when it has been deleted since. */
  activeVersion: number | null;
  /** Versions newer than the one that failed (for refused code: saved after it) that have succeeded since, oldest first. */
  newerSuccesses: VersionSuccesses[];
  /** True when there were too many successes to count them all: the counts are lower bounds. */
  countsCapped: boolean;
}

export function parseArgumentsText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
