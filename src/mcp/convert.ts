/**
 * The service speaks camelCase; MCP results speak snake_case, like the meta-tools' arguments.
 * This file is the one place that maps between them.
 */
import type { z } from 'zod';
import type { CalleeFailure, Dependency, Effect, ExecutionRecord, Failure, FailureFacts, Frame, GateCase, GateReport, LinkedError } from '../model.js';
import type { CallNode, FailureGroup, LastErrorView, RunOutcome, ToolListing, ToolView, VersionDiff, VersionSide, VersionView } from '../service/index.js';
import type { DependencyOut, FailureOut, FrameOut, GateCaseOut, GateReportOut, LinkedErrorOut, RunFailureOut, RunSuccessOut, ToolOut, VersionOut } from './schemas.js';

type Out<T extends z.ZodType> = z.infer<T>;

export function frameOut(f: Frame): Out<typeof FrameOut> {
  const frame = { function: f.function, tool: f.tool, version: f.version, file: f.file, line: f.line, column: f.column };
  return { ...frame, ...(f.sampled === true ? { sampled: true } : {}), ...(typeof f.package === 'string' ? { package: f.package } : {}) };
}

export function dependencyOut(d: Dependency): Out<typeof DependencyOut> {
  return d.kind === 'library'
    ? { kind: 'library', name: d.name, version: d.version, hash: d.hash }
    : { kind: 'package', name: d.name, version: d.version, integrity: d.integrity, integrity_of: d.integrityOf };
}

export function failureOut(f: Pick<Failure, 'kind' | 'name' | 'message' | 'frames' | 'codeFrame' | 'rawStack' | 'subkind'> & FailureFacts & { details?: unknown }): Out<typeof FailureOut> {
  return {
    kind: f.kind,
    name: f.name,
    message: f.message,
    frames: f.frames.map(frameOut),
    code_frame: f.codeFrame,
    raw_stack: f.rawStack,
    ...(f.details === undefined ? {} : { details: f.details }),
    ...(f.subkind === undefined ? {} : { subkind: f.subkind }),
    ...factsOut(f),
  };
}

/** Snake_case facts; each linked error carries its own, as deep as the failure has them. */
function factsOut(f: FailureFacts): Pick<Out<typeof FailureOut>, 'callee' | 'thrown' | 'properties' | 'cause' | 'errors' | 'errors_omitted'> {
  return {
    ...(f.callee === undefined ? {} : { callee: calleeOut(f.callee) }),
    ...(f.thrown === undefined ? {} : { thrown: { type: f.thrown.type, json: f.thrown.json } }),
    ...(f.properties === undefined ? {} : { properties: Object.fromEntries(Object.entries(f.properties)) }),
    ...(f.cause === undefined ? {} : { cause: linkedOut(f.cause) }),
    ...(f.errors === undefined ? {} : { errors: f.errors.map(linkedOut) }),
    ...(f.errorsOmitted === undefined ? {} : { errors_omitted: f.errorsOmitted }),
  };
}

/** A callee's failure, snake_case, one level further down as deep as the chain goes. */
export function calleeOut(c: CalleeFailure): Record<string, unknown> {
  return {
    tool: c.tool,
    version: c.version,
    execution_id: c.executionId,
    kind: c.kind,
    name: c.name,
    message: c.message,
    frames: c.frames.map(frameOut),
    code_frame: c.codeFrame,
    ...(c.callee === undefined ? {} : { callee: calleeOut(c.callee) }),
  };
}

function linkedOut(e: LinkedError): Out<typeof LinkedErrorOut> & { frames: Out<typeof FrameOut>[] } {
  return {
    name: e.name,
    message: e.message,
    frames: e.frames.map(frameOut),
    ...(e.circular === true ? { circular: true as const } : {}),
    ...factsOut(e),
  };
}

export function toolOut(t: ToolView): Out<typeof ToolOut> {
  return {
    name: t.name,
    persona: t.persona,
    kind: t.kind,
    description: t.description,
    language: t.language,
    ...(t.datasource === undefined ? {} : { datasource: t.datasource }),
    input_schema: t.inputSchema,
    timeout_ms: t.timeoutMs,
    memory_mb: t.memoryMb,
    capabilities: t.capabilities,
    dependencies: t.dependencies.map(dependencyOut),
    ...(t.strictTypes === true ? { strict_types: true } : {}),
    version: t.activeVersion,
    hash: t.hash,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

export function listingOut(t: ToolListing) {
  return { ...toolOut(t), last_status: t.lastStatus };
}

export function versionOut(v: VersionView): Out<typeof VersionOut> {
  return {
    version: v.version,
    hash: v.hash,
    created_at: v.createdAt,
    origin: v.origin.kind === 'rollback' ? { kind: 'rollback', from_version: v.origin.fromVersion } : { kind: v.origin.kind },
    active: v.active,
    ...(v.gate === null ? {} : { gate: { passed: v.gate.passed, failing: v.gate.failing, cases: v.gate.cases.length, forced: v.forced } }),
  };
}

/** The gate's report, snake_case; results kept as JSON text are given back as JSON where they parse. */
export function gateReportOut(r: GateReport, forced: boolean): Out<typeof GateReportOut> {
  return {
    passed: r.passed,
    forced,
    tests: r.tests,
    replays: r.replays,
    ...(r.replaySkipped === undefined ? {} : { replay_skipped: r.replaySkipped }),
    failing: r.failing,
    timed_out: r.timedOut,
    duration_ms: round(r.durationMs),
    cases: r.cases.map(gateCaseOut),
  };
}

function gateCaseOut(c: GateCase): Out<typeof GateCaseOut> {
  return {
    source: c.source,
    ...(c.name === undefined ? {} : { name: c.name }),
    arguments: parseJson(c.argumentsJson),
    status: c.status,
    before: 'errorKind' in c.before ? { error_kind: c.before.errorKind } : { success: true, ...(c.before.resultJson === undefined ? {} : { result: parseJson(c.before.resultJson) }) },
    after: c.after === null ? null : c.after.ok ? { status: 'SUCCESS', result: parseJson(c.after.resultJson) } : { status: 'FAILURE', error: failureOut(c.after.failure) },
    ...(c.reason === undefined ? {} : { reason: c.reason }),
    duration_ms: round(c.durationMs),
  };
}

export function runOut(r: RunOutcome): Out<typeof RunSuccessOut> | Out<typeof RunFailureOut> {
  const { usage } = r;
  const common = {
    execution_id: r.executionId,
    tool: r.tool,
    version: r.version,
    console: r.console,
    duration_ms: round(r.durationMs),
    cpu_ms: usage.cpuMs === null ? null : round(usage.cpuMs),
    heap_used_bytes: usage.heapUsedBytes,
    limits: { timeout_ms: usage.limits.timeoutMs, memory_mb: usage.limits.memoryMb },
  };
  return r.ok ? { status: 'SUCCESS', ...common, result: r.result ?? null } : { status: 'FAILURE', ...common, error: failureOut(r.failure) };
}

export function lastErrorOut(v: LastErrorView) {
  return {
    execution_id: v.executionId,
    tool: v.tool,
    version: v.version,
    persona: v.persona,
    timestamp: v.timestamp,
    arguments: v.arguments ?? null,
    status: v.status,
    operation: v.operation,
    error: failureOut(v.error),
    console: v.console,
    since_failure: {
      active_version: v.sinceFailure.activeVersion,
      newer_successes: v.sinceFailure.newerSuccesses.map((s) => ({ version: s.version, count: s.count, last_at: s.lastAt })),
      counts_capped: v.sinceFailure.countsCapped,
    },
    fingerprint: v.occurrences?.fingerprint ?? null,
    occurrences: v.occurrences?.occurrences ?? null,
    first_seen: v.occurrences?.firstSeen ?? null,
    last_seen: v.occurrences?.lastSeen ?? null,
    versions: v.occurrences?.versions ?? [],
    not_seen_since: v.occurrences?.notSeenSince ?? null,
    ...(v.checkerWarning === undefined
      ? {}
      : { checker_warning: { tool: v.checkerWarning.tool, version: v.checkerWarning.version, saved_by: v.checkerWarning.savedBy, ...v.checkerWarning.diagnostic } }),
    advice: v.advice,
    text: v.text,
  };
}

/** A failed row's error, or null for a success. */
export function executionErrorOut(row: ExecutionRecord): Out<typeof FailureOut> | null {
  if (row.status !== 'FAILURE') return null;
  return failureOut({
    kind: row.errorKind ?? 'internal',
    name: row.errorName ?? 'Error',
    message: row.errorMessage ?? '',
    frames: row.frames ?? [],
    codeFrame: row.codeFrame,
    rawStack: row.rawStack,
    ...row.errorFacts,
  });
}

export function executionOut(row: ExecutionRecord) {
  return {
    execution_id: row.id,
    timestamp: row.timestamp,
    persona: row.persona,
    tool: row.toolName,
    operation: row.operation,
    version: row.version,
    hash: row.hash,
    arguments: parseJson(row.argumentsJson),
    status: row.status,
    result_summary: row.resultSummary,
    error: executionErrorOut(row),
    ...(row.fingerprint === undefined ? {} : { fingerprint: row.fingerprint }),
    console: row.consoleOutput,
    duration_ms: row.durationMs,
    cpu_ms: row.cpuMs,
    heap_used_bytes: row.heapUsedBytes,
    progress_calls: row.progressCalls ?? 0,
    ...(row.effects === null || row.effects.length === 0 ? {} : { effects: row.effects.map(effectOut) }),
    ...(row.parentExecutionId === undefined ? {} : { parent_execution_id: row.parentExecutionId }),
    ...(row.rootExecutionId === undefined ? {} : { root_execution_id: row.rootExecutionId }),
  };
}

/** One call of a tree with the calls it made, for get_execution's `calls`. */
export function callNodeOut(node: CallNode): Record<string, unknown> {
  const row = node.record;
  return {
    execution_id: row.id,
    tool: row.toolName,
    version: row.version,
    status: row.status,
    duration_ms: row.durationMs,
    error: row.status === 'FAILURE' ? { kind: row.errorKind ?? 'internal', name: row.errorName ?? 'Error', message: row.errorMessage ?? '' } : null,
    calls: node.calls.map(callNodeOut),
  };
}

/** The fields an effect may show, as the audit names them (camelCase fields renamed). Nothing else is copied out. */
const EFFECT_FIELDS = [
  ['op', 'op'], ['method', 'method'], ['origin', 'origin'], ['path', 'path'], ['status', 'status'], ['bytes', 'bytes'], ['ms', 'ms'],
  ['redirects', 'redirects'], ['namespace', 'namespace'], ['key', 'key'], ['prefix', 'prefix'], ['found', 'found'], ['count', 'count'],
  ['server', 'server'], ['tool', 'tool'], ['version', 'version'], ['executionId', 'execution_id'], ['kind', 'kind'], ['datasource', 'datasource'], ['rows', 'rows'], ['truncated', 'truncated'],
  ['refused', 'refused'], ['error', 'error'],
] as const;

/** An effect as the audit shows it: the known fields only, so a stray field never reaches the agent. */
export function effectOut(effect: Effect): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields = effect as Readonly<Record<string, unknown>>;
  for (const [name, shown] of EFFECT_FIELDS) if (fields[name] !== undefined) out[shown] = fields[name];
  return out;
}

/** One line per execution for list_executions: enough to choose which one to open. */
export function executionSummaryOut(row: ExecutionRecord, nested?: number) {
  const top = row.frames?.[0];
  return {
    execution_id: row.id,
    ...(row.parentExecutionId === undefined ? {} : { parent_execution_id: row.parentExecutionId }),
    ...(nested === undefined ? {} : { nested_calls: nested }),
    timestamp: row.timestamp,
    tool: row.toolName,
    operation: row.operation,
    version: row.version,
    status: row.status,
    duration_ms: row.durationMs,
    error:
      row.status === 'FAILURE'
        ? {
            kind: row.errorKind ?? 'internal',
            name: row.errorName ?? 'Error',
            message: row.errorMessage ?? '',
            top_frame: top ? frameOut(top) : null,
            ...(row.fingerprint === undefined ? {} : { fingerprint: row.fingerprint }),
          }
        : null,
  };
}

/** The arguments as logged: JSON text, possibly cut with a marker, in which case it stays text. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** A group of failures with one fingerprint (list_executions group_by). */
export function failureGroupOut(g: FailureGroup) {
  return {
    fingerprint: g.fingerprint,
    tool: g.tool,
    count: g.count,
    first_seen: g.firstSeen,
    last_seen: g.lastSeen,
    versions: g.versions,
    kind: g.kind,
    name: g.name,
    sample_message: g.message,
    location: g.location === null ? null : frameOut(g.location),
    sample_execution_id: g.sampleExecutionId,
  };
}

function versionSideOut(s: VersionSide) {
  return {
    version: s.version,
    created_at: s.createdAt,
    active: s.active,
    calls: s.calls,
    failures: s.failures,
    last_failure:
      s.lastFailure === null
        ? null
        : { execution_id: s.lastFailure.executionId, at: s.lastFailure.at, kind: s.lastFailure.kind, name: s.lastFailure.name, message: s.lastFailure.message, fingerprint: s.lastFailure.fingerprint },
  };
}

/** Two versions compared (get_tool diff). */
export function versionDiffOut(d: VersionDiff) {
  return { from: versionSideOut(d.from), to: versionSideOut(d.to), unified: d.unified, added: d.added, removed: d.removed, metadata: d.metadata };
}
