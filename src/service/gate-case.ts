/**
 * One call the regression gate makes of a version that is not live yet: through the normal
 * sandbox path (same isolates, limits, capabilities, failure mapping into the agent's lines)
 * but with no log row. Its kv writes are dropped, as a failed call's are: the gate never changes
 * the tool's stored state. Calls of other tools it makes (ctx.tools) are real calls of their
 * active versions and are logged as theirs.
 */
import type { Failure, VersionRecord } from '../model.js';
import { SourceMapCache } from '../traceback/source-maps.js';
import { createCallHost } from './call-host.js';
import { linkCallees } from './callee-links.js';
import type { ServiceDeps } from './deps.js';
import { plainFailure, resolverFor, FAULT_NAMES } from './failures.js';
import { runTool } from './running.js';
import { versionOrNone } from './store-reads.js';
import { callSandbox, effectiveLimits } from './sandbox-call.js';
import { callSqlTool } from './sql-calls.js';

export type CaseOutcome = { ok: true; result: unknown; resultJson: string } | { ok: false; failure: Failure };

export interface GateRun {
  /** performance.now() by which every case must end (the gate's time, config gate.timeoutMs). */
  deadlineAt: number;
  /** Aborted when the gate's time is up: calls still waiting for a sandbox leave the queue. */
  signal: AbortSignal;
  /** Source maps of the candidate, thrown away with the gate (its number may never be saved). */
  sourceMaps: SourceMapCache;
}

/** The candidate version as a record: the number it would be saved under, its hash, its snapshot. */
export async function runGateCase(deps: ServiceDeps, candidate: VersionRecord, args: unknown, run: GateRun): Promise<CaseOutcome> {
  const checked = deps.validator.validate(candidate.hash, candidate.inputSchema, args ?? {});
  if ('problem' in checked) {
    const { problem } = checked;
    return { ok: false, failure: plainFailure('invalid_arguments', FAULT_NAMES.invalid_arguments, problem.message, problem.details) };
  }
  const own = effectiveLimits(candidate.limits, deps.config.limits);
  const left = Math.floor(run.deadlineAt - performance.now());
  const limits = { memoryMb: own.memoryMb, timeoutMs: Math.max(1, Math.min(own.timeoutMs, left)) };
  if (candidate.language === 'sql') {
    const sql = await callSqlTool(deps, candidate, JSON.parse(checked.json) as Record<string, unknown>, limits.timeoutMs);
    return sql.ok ? { ok: true, result: sql.result, resultJson: sql.resultJson } : { ok: false, failure: sql.failure };
  }
  const { persona, toolName } = candidate;
  const executionId = deps.newExecutionId();
  const host = createCallHost(deps, deps.secrets, {
    persona,
    toolName,
    executionId,
    capabilities: candidate.capabilities,
    timeoutMs: limits.timeoutMs,
    runCallee: (callee, calleeArgs, how) => runTool(deps, persona, callee, calleeArgs, how),
  });
  const outcome = await callSandbox(
    deps,
    { persona, toolName, version: candidate.version, hash: candidate.hash, snapshot: candidate },
    { argsJson: checked.json, executionId, host, bounds: { limits, run: { deadlineAt: run.deadlineAt, signal: run.signal } } },
    {
      persona,
      sourceMaps: run.sourceMaps,
      resolveVersion: resolverFor([candidate], (tool, version) => versionOrNone(deps.store.tools, persona, tool, version)),
    },
  );
  const callees = host.settled();
  if (callees !== undefined) await callees;
  const finished = host.finish();
  // Effects and kv writes are dropped: nothing of a gate case is kept but its report.
  const { callees: failedCallees } = finished instanceof Promise ? await finished : finished;
  return outcome.ok ? { ok: true, result: outcome.result, resultJson: outcome.resultJson } : { ok: false, failure: linkCallees(outcome.failure, failedCallees) };
}
