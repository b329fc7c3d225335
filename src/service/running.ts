import { AppError, isAppError } from '../errors.js';
import type { ExecutionRecord, Failure, ToolLimits, VersionRecord } from '../model.js';
import { MIN_NESTED_TIMEOUT_MS } from '../sandbox-host/supervisor.js';
import { calleeChain } from '../traceback/format-callees.js';
import { linkCallees } from './callee-links.js';
import type { NestedCall } from './call-tree.js';
import { adviceFor } from './advice.js';
import type { ServiceDeps } from './deps.js';
import { plainFailure, FAULT_NAMES, type FailureContext } from './failures.js';
import { assertToolName } from './names.js';
import { argumentsText, failureOfRecord, failureRecord, sourcesOfFrames, successRecord, type RecordInput } from './records.js';
import { versionOrNone } from './store-reads.js';
import { createCallHost } from './call-host.js';
import type { ProgressSink } from './progress-relay.js';
import { callSandbox, effectiveLimits } from './sandbox-call.js';
import { callSqlTool } from './sql-calls.js';

const REFUSED_ARGUMENTS_LOG_CHARS = 2_000;

/**
 * What a call used and the limits it ran under, in every answer (issue 17). `cpuMs` and
 * `heapUsedBytes` are null when the call never reached a sandbox (refused arguments, a SQL
 * tool, a sandbox process that died); `limits.memoryMb` is null for a SQL tool, which runs in
 * no sandbox. `limits.timeoutMs` bounds both the CPU time and the wall-clock time of the call
 * (for a call made by another tool: cut to what was left of its caller's).
 */
export interface RunUsage {
  cpuMs: number | null;
  heapUsedBytes: number | null;
  limits: { timeoutMs: number; memoryMb: number | null };
  /** How many times it called ctx.progress (sent on or not). */
  progressCalls: number;
}

/** `resultJson` is `result` as JSON text (`null` for undefined), made once by the sandbox call. */
export type RunOutcome =
  | { ok: true; executionId: string; tool: string; version: number; result: unknown; resultJson: string; console: string; durationMs: number; usage: RunUsage }
  | { ok: false; executionId: string; tool: string; version: number; failure: Failure; console: string; durationMs: number; usage: RunUsage; advice: string };

/**
 * Runs the active version of a tool once: validate the arguments, run in the sandbox, map any
 * failure into the agent's lines, and commit the log row *before* returning. A call that
 * started keeps the version it started with, whatever updates land meanwhile. `progress`:
 * where the call's ctx.progress goes, when the agent's request asked for progress.
 */
export async function runTool(deps: ServiceDeps, persona: string, name: string, args: unknown, nested?: NestedCall, progress?: ProgressSink): Promise<RunOutcome> {
  assertToolName(name);
  const started = deps.now();
  const t0 = performance.now();
  const version = await activeVersion(deps, persona, name);
  const executionId = nested?.executionId ?? deps.newExecutionId();
  const record: RecordInput = {
    id: executionId,
    startedAt: started,
    durationMs: 0,
    persona,
    toolName: name,
    operation: 'call',
    version: version.version,
    hash: version.hash,
    argumentsJson: '',
    console: '',
    cpuMs: null,
    heapUsedBytes: null,
  };
  if (nested !== undefined) {
    record.parentExecutionId = nested.parentId;
    record.rootExecutionId = nested.tree.rootId;
  }
  const limits = nested === undefined ? effectiveLimits(version.limits, deps.config.limits) : nestedLimits(deps, version, nested);
  const finish = async (outcome: { failure: Failure } | { resultJson: string; result: unknown }): Promise<RunOutcome> => {
    record.durationMs = performance.now() - t0;
    const usage: RunUsage = {
      cpuMs: record.cpuMs,
      heapUsedBytes: record.heapUsedBytes,
      limits: { timeoutMs: limits.timeoutMs, memoryMb: version.language === 'sql' ? null : limits.memoryMb },
      progressCalls: record.progressCalls ?? 0,
    };
    const common = { executionId, tool: name, version: version.version, console: record.console, durationMs: record.durationMs, usage };
    if ('failure' in outcome) {
      const { resolveVersion } = failureContext(deps, persona, version);
      const sources = await sourcesOfFrames(outcome.failure.frames, async (tool, v) => (await resolveVersion(tool, v))?.source);
      await commit(deps, failureRecord(record, outcome.failure, sources));
      return failed(deps, common, outcome.failure, version);
    }
    const logged = await commit(deps, successRecord(record, outcome.resultJson));
    // The log turned the success into a failure (its kv writes would pass a namespace quota
    // that another call reached first): the reply says what the log says.
    if (logged.status === 'FAILURE') return failed(deps, common, failureOfRecord(logged), version);
    return { ok: true, ...common, result: outcome.result, resultJson: outcome.resultJson };
  };

  const checked = deps.validator.validate(version.hash, version.inputSchema, args ?? {});
  if ('problem' in checked) {
    // Refused arguments may be megabytes: the log keeps a readable summary of them.
    record.argumentsJson = argumentsText(args ?? {}, REFUSED_ARGUMENTS_LOG_CHARS);
    const { problem } = checked;
    return finish({ failure: plainFailure('invalid_arguments', FAULT_NAMES.invalid_arguments, problem.message, problem.details) });
  }
  record.argumentsJson = checked.json;

  if (version.language === 'sql') {
    // A SQL tool runs its statement on its datasource; no sandbox is involved (sql-calls.ts).
    const sql = await callSqlTool(deps, version, JSON.parse(checked.json) as Record<string, unknown>, limits.timeoutMs);
    if (sql.effect) record.effects = [sql.effect];
    return finish(sql.ok ? { result: sql.result, resultJson: sql.resultJson } : { failure: sql.failure });
  }
  const host = createCallHost(deps, deps.secrets, {
    persona,
    toolName: name,
    executionId,
    capabilities: version.capabilities,
    timeoutMs: limits.timeoutMs,
    // A callee gets no sink: its progress is counted in its own row only (progress-relay.ts says why).
    runCallee: (callee, calleeArgs, how) => runTool(deps, persona, callee, calleeArgs, how),
    ...(nested === undefined ? {} : { tree: nested.tree, notAfter: nested.deadlineAt }),
    ...(progress === undefined ? {} : { progress }),
  });
  const sandboxed = callSandbox(
    deps,
    { persona, toolName: name, version: version.version, hash: version.hash, snapshot: version },
    {
      argsJson: checked.json,
      executionId,
      host,
      ...(nested === undefined ? {} : { bounds: { limits, run: { deadlineAt: nested.deadlineAt, signal: nested.signal } } }),
      ...(progress === undefined ? {} : { progress: true }),
    },
    failureContext(deps, persona, version),
  );
  // callSandbox hands the call to the pool before its first await: a caller that ended may let
  // it go from now on, if it is left waiting for a sandbox.
  nested?.entered?.();
  const outcome = await sandboxed;
  // The tools it called are logged before it is: the tree is whole when the caller gets its answer.
  const callees = host.settled();
  if (callees !== undefined) await callees;
  const finished = host.finish();
  const { effects, kvWrites, callees: failedCallees } = finished instanceof Promise ? await finished : finished;
  if (effects.length > 0) record.effects = effects;
  // A call that failed leaves no state behind: its writes are dropped with it.
  if (outcome.ok && kvWrites.length > 0) record.kvWrites = kvWrites;
  record.console = outcome.console;
  record.cpuMs = outcome.cpuMs;
  record.heapUsedBytes = outcome.heapUsedBytes;
  if (outcome.progressCalls > 0) record.progressCalls = outcome.progressCalls;
  return finish(outcome.ok ? outcome : { failure: linkCallees(outcome.failure, failedCallees) });
}

/** A nested call's limits: its own, with its time cut to what is left of its caller's. */
function nestedLimits(deps: ServiceDeps, version: VersionRecord, nested: NestedCall): ToolLimits {
  const own = effectiveLimits(version.limits, deps.config.limits);
  const left = Math.max(MIN_NESTED_TIMEOUT_MS, Math.floor(nested.deadlineAt - performance.now()));
  return left < own.timeoutMs ? { timeoutMs: left, memoryMb: own.memoryMb } : own;
}

/**
 * The active version, verified against its hash when it is read from the database and then
 * kept in memory: a warm call costs one indexed lookup of the tool row instead of reading the
 * code and hashing it again (~80 us). Any change of the active version misses the cache.
 */
async function activeVersion(deps: ServiceDeps, persona: string, name: string): Promise<VersionRecord> {
  const tool = await deps.store.tools.get(persona, name);
  if (!tool) throw new AppError('TOOL_NOT_FOUND', `Tool \`${name}\` not found. Call \`list_tools\` to see the tools you have.`);
  const key = `${persona}/${name}`;
  const cached = deps.activeVersions.get(key);
  if (cached && cached.version === tool.activeVersion) return cached;
  const version = await deps.store.tools.getVersion(persona, name);
  if (version.kind === 'library') {
    throw new AppError('INVALID_ARGUMENT', `\`${name}\` is a library: it has no handler to call. Import it from a tool (\`import { ... } from "lib:${name}"\`) and call that tool.`);
  }
  // Said once per version read (not per call): the cache keeps it until the active version changes.
  const applied = effectiveLimits(version.limits, deps.config.limits);
  if (applied.timeoutMs !== version.limits.timeoutMs || applied.memoryMb !== version.limits.memoryMb) {
    deps.logger.warn('stored limits above the config maxima are clamped', { persona, tool: name, version: version.version, stored: version.limits, ...applied });
  }
  deps.activeVersions.set(key, version);
  if (deps.activeVersions.size > 1_000) deps.activeVersions.delete(deps.activeVersions.keys().next().value as string);
  return version;
}

function failureContext(deps: ServiceDeps, persona: string, running: VersionRecord): FailureContext {
  return {
    persona,
    sourceMaps: deps.sourceMaps,
    resolveVersion: (tool, version) => (tool === running.toolName && version === running.version ? running : versionOrNone(deps.store.tools, persona, tool, version)),
  };
}

function failed(deps: ServiceDeps, common: Omit<Extract<RunOutcome, { ok: false }>, 'ok' | 'failure' | 'advice'>, failure: Failure, version: VersionRecord): RunOutcome {
  const limits = effectiveLimits(version.limits, deps.config.limits);
  const advice = adviceFor(failure.kind, { tool: common.tool, operation: 'call', limits, maxima: deps.config.limits, errorName: failure.name, callees: calleeChain(failure) });
  return { ok: false, ...common, failure, advice };
}

/**
 * The row is committed before the caller sees the result; a store failure is a host fault.
 * Resolves with the record as logged (the log writer may have turned a success into a failure).
 */
async function commit(deps: ServiceDeps, record: ExecutionRecord): Promise<ExecutionRecord> {
  try {
    return await deps.log.write(record);
  } catch (err) {
    // The store's message, written for the agent, says why (a lock another process holds, a
    // full disk) and what to do; anything else stays in the server log.
    const why = isAppError(err) ? ` ${err.message}` : '';
    throw new AppError('STORE_FAILURE', `The call ran, but its log row could not be written; the result is withheld so the log stays complete.${why}`, { cause: err });
  }
}
