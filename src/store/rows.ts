/**
 * Row <-> record mapping: the only place that knows column names. Rows are what SQLite hands
 * back (snake_case, JSON as text); records are the shapes in model.ts.
 */
import type {
  Effect,
  ExecutionRecord,
  ExecutionStatus,
  FailureFacts,
  FailureKind,
  Dependency,
  GateReport,
  ToolTest,
  Frame,
  Language,
  ToolRecord,
  VersionOrigin,
  VersionSnapshot,
} from '../model.js';
import { hasCapabilities, hasDependencies, hasTests } from './hash.js';

export interface ToolRow {
  id: number;
  persona: string;
  name: string;
  active_version: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface VersionRow {
  id: number;
  tool_id: number;
  version: number;
  language: string;
  description: string;
  input_schema: string;
  timeout_ms: number;
  memory_mb: number;
  source: string;
  compiled_js: string;
  source_map: string;
  hash: string;
  origin_kind: string;
  origin_from_version: number | null;
  created_at: string;
  /** JSON of the version's Capabilities; NULL when it has none. */
  capabilities_json: string | null;
  /** 'tool' or 'library' (migration 6); every older row reads 'tool'. */
  kind: string;
  /** JSON of the version's Dependency[]; NULL when it bundled nothing. */
  dependencies_json: string | null;
  /** The datasource of a SQL tool (migration 5); NULL for code. */
  datasource: string | null;
  /** JSON of the version's declared tests (migration 8); NULL when it has none. */
  tests_json: string | null;
  /** 1 when the version is marked replay_safe (migration 8). */
  replay_safe: number;
  /** JSON of the gate's report (model.ts GateReport), NULL when no gate ran (migration 8). */
  gate_json: string | null;
  /** 1 when the version went live past failing gate cases. */
  forced: number;
  /** 1 when the version opted into strict types (migration 10). */
  strict_types: number;
  /** JSON of the checker's TypeDiagnostic[] (migration 10); NULL when it said nothing or did not run. */
  diagnostics_json: string | null;
}

/** What `listVersions` selects: everything but the code, the tests and the type diagnostics. */
export type VersionSummaryRow = Omit<VersionRow, 'id' | 'tool_id' | 'source' | 'compiled_js' | 'source_map' | 'tests_json' | 'diagnostics_json'>;

/** The named parameters of the version INSERT (diagnostics are written after it: version-diagnostics.ts). */
export type VersionInsert = Omit<VersionRow, 'id' | 'diagnostics_json'>;

export interface ExecutionRow {
  id: string;
  timestamp: string;
  persona: string;
  tool_name: string;
  operation: string;
  version: number | null;
  hash: string | null;
  arguments_json: string;
  status: string;
  error_kind: string | null;
  error_name: string | null;
  error_message: string | null;
  result_summary: string | null;
  frames_json: string | null;
  raw_stack: string | null;
  code_frame: string | null;
  error_facts_json: string | null;
  effects_json: string | null;
  parent_execution_id: string | null;
  root_execution_id: string | null;
  /** A failure's fingerprint (migration 9); NULL for successes and older rows. */
  fingerprint: string | null;
  console_output: string;
  duration_ms: number;
  cpu_ms: number | null;
  heap_used_bytes: number | null;
  progress_calls: number | null;
}

export function toolFromRow(row: ToolRow): ToolRecord {
  return {
    persona: row.persona,
    name: row.name,
    activeVersion: row.active_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

export function originFromRow(kind: string, fromVersion: number | null): VersionOrigin {
  // The CHECK constraints guarantee rollback <=> fromVersion present.
  if (kind === 'rollback') return { kind: 'rollback', fromVersion: fromVersion ?? 0 };
  return { kind: kind === 'update' || kind === 'edit' ? kind : 'create' };
}

/** ES2024 methods, present in Node 20 (V8 11.3) but not in the ES2022 lib we compile against. */
interface WellFormedMethods {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * SQLite stores text as UTF-8, which cannot hold a lone UTF-16 surrogate: better-sqlite3 writes
 * it as invalid UTF-8 bytes (ED A0 80) that read back as three U+FFFD. JSON.stringify, for its
 * part, escapes a lone surrogate as `\ud800`. Replacing each lone surrogate by one U+FFFD before
 * hashing and storing keeps the file valid UTF-8 and makes the hash of what we wrote equal the
 * hash of what we read back. The native check is cheap on multi-megabyte strings.
 */
export function wellFormed(text: string): string {
  const methods = text as unknown as WellFormedMethods;
  return methods.isWellFormed() ? text : methods.toWellFormed();
}

function wellFormedOrNull(text: string | null): string | null {
  return text === null ? null : wellFormed(text);
}

/** The snapshot as it will read back from the database. */
export function storableSnapshot(snapshot: VersionSnapshot): VersionSnapshot {
  return {
    description: wellFormed(snapshot.description),
    inputSchema: snapshot.inputSchema,
    language: snapshot.language,
    limits: { timeoutMs: snapshot.limits.timeoutMs, memoryMb: snapshot.limits.memoryMb },
    source: wellFormed(snapshot.source),
    compiledJs: wellFormed(snapshot.compiledJs),
    sourceMap: wellFormed(snapshot.sourceMap),
    capabilities: snapshot.capabilities,
    kind: snapshot.kind ?? 'tool',
    dependencies: snapshot.dependencies ?? [],
    ...(snapshot.datasource === undefined ? {} : { datasource: snapshot.datasource }),
    ...(hasTests(snapshot.tests) ? { tests: snapshot.tests } : {}),
    ...(snapshot.replaySafe === true ? { replaySafe: true } : {}),
    ...(snapshot.strictTypes === true ? { strictTypes: true as const } : {}),
  };
}

/**
 * The snapshot stored in a row. Throws (SyntaxError) when input_schema is not JSON; the caller
 * treats that as an integrity failure.
 */
export function snapshotFromRow(row: VersionRow): VersionSnapshot & Required<Pick<VersionSnapshot, 'kind' | 'dependencies'>> {
  return {
    description: row.description,
    inputSchema: JSON.parse(row.input_schema) as Record<string, unknown>,
    language: row.language as Language,
    limits: { timeoutMs: row.timeout_ms, memoryMb: row.memory_mb },
    source: row.source,
    compiledJs: row.compiled_js,
    sourceMap: row.source_map,
    capabilities: row.capabilities_json === null ? {} : (JSON.parse(row.capabilities_json) as VersionSnapshot['capabilities']),
    kind: row.kind === 'library' ? 'library' : 'tool',
    dependencies: row.dependencies_json === null ? [] : (JSON.parse(row.dependencies_json) as Dependency[]),
    ...(row.datasource === null ? {} : { datasource: row.datasource }),
    ...(row.tests_json === null ? {} : { tests: JSON.parse(row.tests_json) as ToolTest[] }),
    ...(row.replay_safe === 1 ? { replaySafe: true } : {}),
    ...(row.strict_types === 1 ? { strictTypes: true as const } : {}),
  };
}

/** A version's gate report as stored; a damaged one reads as none (it is not part of the hash). */
export function gateFromRow(text: string | null): GateReport | null {
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && Array.isArray((parsed as GateReport).cases) ? (parsed as GateReport) : null;
  } catch {
    return null;
  }
}

export function gateToJson(report: GateReport | null): string | null {
  if (report === null) return null;
  return wellFormed(JSON.stringify(report));
}

/**
 * Free text (output, messages, stacks) is made well-formed, see wellFormed(). Keys (id, persona,
 * tool name) are kept as given, so a lookup binds exactly the bytes the insert bound.
 */
export function executionToRow(record: ExecutionRecord): ExecutionRow {
  return {
    id: record.id,
    timestamp: record.timestamp,
    persona: record.persona,
    tool_name: record.toolName,
    operation: record.operation,
    version: record.version,
    hash: record.hash,
    arguments_json: wellFormed(record.argumentsJson),
    status: record.status,
    error_kind: record.errorKind,
    error_name: wellFormedOrNull(record.errorName),
    error_message: wellFormedOrNull(record.errorMessage),
    result_summary: wellFormedOrNull(record.resultSummary),
    frames_json: framesToJson(record.frames),
    raw_stack: wellFormedOrNull(record.rawStack),
    code_frame: wellFormedOrNull(record.codeFrame),
    error_facts_json: factsToJson(record.errorFacts),
    effects_json: effectsToJson(record.effects),
    parent_execution_id: record.parentExecutionId ?? null,
    root_execution_id: record.rootExecutionId ?? null,
    fingerprint: record.fingerprint ?? null,
    console_output: wellFormed(record.consoleOutput),
    // A NaN or Infinity measurement would violate NOT NULL / STRICT typing and lose the whole
    // row; the log row matters more than one broken number.
    duration_ms: Number.isFinite(record.durationMs) ? record.durationMs : 0,
    cpu_ms: finiteOrNull(record.cpuMs),
    heap_used_bytes: record.heapUsedBytes === null ? null : integerOrNull(record.heapUsedBytes),
    progress_calls: record.progressCalls === undefined || record.progressCalls === 0 ? null : integerOrNull(record.progressCalls),
  };
}

export function executionFromRow(row: ExecutionRow): ExecutionRecord {
  const record = executionFields(row);
  // Only a nested call has them: a root's record has no such keys (as before migration 5).
  if (row.parent_execution_id !== null) record.parentExecutionId = row.parent_execution_id;
  if (row.root_execution_id !== null) record.rootExecutionId = row.root_execution_id;
  if (row.fingerprint !== null) record.fingerprint = row.fingerprint;
  if (row.progress_calls !== null) record.progressCalls = row.progress_calls;
  return record;
}

function executionFields(row: ExecutionRow): ExecutionRecord {
  return {
    id: row.id,
    timestamp: row.timestamp,
    persona: row.persona,
    toolName: row.tool_name,
    operation: row.operation as ExecutionRecord['operation'],
    version: row.version,
    hash: row.hash,
    argumentsJson: row.arguments_json,
    status: row.status as ExecutionStatus,
    errorKind: row.error_kind as FailureKind | null,
    errorName: row.error_name,
    errorMessage: row.error_message,
    resultSummary: row.result_summary,
    frames: framesFromJson(row.frames_json),
    rawStack: row.raw_stack,
    codeFrame: row.code_frame,
    errorFacts: factsFromJson(row.error_facts_json),
    consoleOutput: row.console_output,
    durationMs: row.duration_ms,
    cpuMs: row.cpu_ms,
    heapUsedBytes: row.heap_used_bytes,
    effects: effectsFromJson(row.effects_json),
  };
}

function framesToJson(frames: Frame[] | null): string | null {
  if (frames === null) return null;
  try {
    return JSON.stringify(frames) ?? null;
  } catch {
    // Frames are host-built plain data; this only guards the log against a future bug.
    return null;
  }
}

function framesFromJson(text: string | null): Frame[] | null {
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as Frame[]) : null;
  } catch {
    // A damaged log row should still be readable; its frames are simply lost.
    return null;
  }
}

function factsToJson(facts: FailureFacts | null): string | null {
  if (facts === null) return null;
  try {
    const json = JSON.stringify(facts);
    return json === undefined ? null : wellFormed(json);
  } catch {
    // Facts are host-built plain data; this only guards the log against a future bug.
    return null;
  }
}

function factsFromJson(text: string | null): FailureFacts | null {
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed) : null;
  } catch {
    // A damaged log row should still be readable; its facts are simply lost.
    return null;
  }
}

/**
 * Effects a log row keeps: a call may make up to kv.maxOperationsPerCall kv operations (and
 * its fetches), and the log must not grow by the call's whim. The first 200 are kept, then
 * one `omitted` marker counts the rest (markers already in the list are added up into it).
 */
export const MAX_EFFECTS_PER_ROW = 200;

export function capEffects(effects: readonly Effect[]): Effect[] {
  const kept: Effect[] = [];
  let omitted = 0;
  for (const effect of effects) {
    if (effect.op === 'omitted') omitted += effect.count;
    else if (kept.length < MAX_EFFECTS_PER_ROW) kept.push(effect);
    else omitted += 1;
  }
  if (omitted > 0) kept.push({ op: 'omitted', count: omitted });
  return kept;
}

function effectsToJson(effects: readonly Effect[] | null): string | null {
  if (effects === null || effects.length === 0) return null;
  try {
    const json = JSON.stringify(capEffects(effects));
    return json === undefined ? null : wellFormed(json);
  } catch {
    // Effects are host-built plain data; this only guards the log against a future bug.
    return null;
  }
}

function effectsFromJson(text: string | null): Effect[] | null {
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as Effect[]) : null;
  } catch {
    // A damaged log row should still be readable; its effects are simply lost.
    return null;
  }
}

function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

function integerOrNull(value: number): number | null {
  return Number.isFinite(value) ? Math.round(value) : null;
}

/** The row of one version: `stored` is already made storable (see storableSnapshot). */
export function versionRow(
  toolId: number,
  version: number,
  stored: VersionSnapshot,
  hash: string,
  origin: VersionOrigin,
  createdAt: string,
  gate: { report: GateReport | null; forced: boolean } = { report: null, forced: false },
): VersionInsert {
  return {
    tool_id: toolId,
    version,
    language: stored.language,
    description: stored.description,
    input_schema: JSON.stringify(stored.inputSchema),
    timeout_ms: stored.limits.timeoutMs,
    memory_mb: stored.limits.memoryMb,
    source: stored.source,
    compiled_js: stored.compiledJs,
    source_map: stored.sourceMap,
    hash,
    origin_kind: origin.kind,
    origin_from_version: origin.kind === 'rollback' ? origin.fromVersion : null,
    created_at: createdAt,
    capabilities_json: hasCapabilities(stored.capabilities) ? JSON.stringify(stored.capabilities) : null,
    kind: stored.kind ?? 'tool',
    dependencies_json: hasDependencies(stored.dependencies) ? JSON.stringify(stored.dependencies) : null,
    datasource: stored.datasource ?? null,
    tests_json: hasTests(stored.tests) ? JSON.stringify(stored.tests) : null,
    replay_safe: stored.replaySafe === true ? 1 : 0,
    gate_json: gateToJson(gate.report),
    forced: gate.forced ? 1 : 0,
    strict_types: stored.strictTypes === true ? 1 : 0,
  };
}
