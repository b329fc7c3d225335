/**
 * The regression gate (issue 17, item 3). Before update_tool or edit_tool make a new version
 * active, it runs against that version, in the sandbox: the version's declared tests, and a
 * replay of recent distinct successful calls of the active version (gate-replay.ts). A test
 * that misses its expectation, or a replayed call that succeeded before and fails now, refuses
 * the version (authoring.ts saves it inactive with this report). A replay that succeeds with
 * another result is reported as `changed` and does not refuse: a patch often changes results
 * on purpose, while a call that used to work and now fails is what the gate is for.
 *
 * Nothing here writes the execution log: the cases are not calls anyone made, and must not be
 * what get_last_error or list_executions show. The whole gate is bounded by gate.timeoutMs;
 * cases it did not finish are `not_run` and refuse too (force passes them).
 */
import type { Failure, GateCase, GateReport, VersionRecord } from '../model.js';
import { SourceMapCache } from '../traceback/source-maps.js';
import type { ServiceDeps } from './deps.js';
import { runGateCase, type CaseOutcome, type GateRun } from './gate-case.js';
import { replaysOf, sideEffectsReason, type Replay } from './gate-replay.js';
import { summarize, argumentsText } from './records.js';
import { expectationOf, sameJson, testLabel, type Expectation } from './tool-tests.js';

/** Frames a report keeps of each failure: the top ones say where; the log is not involved. */
const MAX_REPORT_FRAMES = 5;
const MAX_REPORT_ARGUMENTS_CHARS = 2_000;

interface PlannedCase {
  source: 'test' | 'replay';
  name?: string;
  args: Record<string, unknown>;
  argumentsJson: string;
  judge: (outcome: CaseOutcome) => Pick<GateCase, 'status' | 'reason'>;
  before: GateCase['before'];
}

/** `candidate`: the new version as it would be saved; `previous`: the active version it would replace. */
export async function runGate(deps: ServiceDeps, candidate: VersionRecord, previous: VersionRecord): Promise<GateReport> {
  const t0 = performance.now();
  const { replayCalls, timeoutMs, parallelism } = deps.config.gate;
  const tests = (candidate.tests ?? []).map((test, i) => plannedTest(test.arguments, expectationOf(test), testLabel(test, i), test.name));
  let replaySkipped: string | undefined;
  let replays: Replay[] = [];
  const sideEffects = sideEffectsReason(candidate.capabilities, candidate.replaySafe === true);
  if (replayCalls === 0) replaySkipped = 'replays are off on this server (gate.replayCalls = 0)';
  else if (sideEffects !== null) replaySkipped = sideEffects;
  else {
    replays = await replaysOf(deps.store, candidate.persona, candidate.toolName, previous.version, replayCalls);
    if (replays.length === 0) replaySkipped = `version ${previous.version} has no successful calls to replay`;
  }
  const planned = [...tests, ...replays.map(plannedReplay)];
  const abort = new AbortController();
  const deadlineAt = t0 + timeoutMs;
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const run: GateRun = { deadlineAt, signal: abort.signal, sourceMaps: new SourceMapCache({ maxEntries: 4 }) };
  const cases: GateCase[] = new Array<GateCase>(planned.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < planned.length; i = next++) cases[i] = await runPlanned(deps, candidate, planned[i]!, run);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallelism, planned.length) }, worker));
  } finally {
    clearTimeout(timer);
    run.sourceMaps.clear();
  }
  const failing = cases.filter((c) => c.status === 'failed' || c.status === 'not_run').length;
  return {
    passed: failing === 0,
    cases,
    tests: tests.length,
    replays: replays.length,
    ...(replaySkipped === undefined ? {} : { replaySkipped }),
    failing,
    timedOut: cases.some((c) => c.status === 'not_run'),
    durationMs: performance.now() - t0,
  };
}

async function runPlanned(deps: ServiceDeps, candidate: VersionRecord, planned: PlannedCase, run: GateRun): Promise<GateCase> {
  const base = {
    source: planned.source,
    ...(planned.name === undefined ? {} : { name: planned.name }),
    argumentsJson: planned.argumentsJson,
    before: planned.before,
  };
  const notRun = (durationMs: number): GateCase => ({ ...base, status: 'not_run', after: null, reason: `the gate's time ran out (gate.timeoutMs = ${deps.config.gate.timeoutMs} ms) before this case finished`, durationMs });
  if (run.signal.aborted || performance.now() >= run.deadlineAt) return notRun(0);
  const t0 = performance.now();
  const outcome = await runGateCase(deps, candidate, planned.args, run);
  const durationMs = performance.now() - t0;
  // Cut by the gate's deadline, not by the tool's own limit: the case says nothing about the code.
  if (!outcome.ok && outcome.failure.kind === 'timeout' && performance.now() >= run.deadlineAt - 5) return notRun(durationMs);
  const after: GateCase['after'] = outcome.ok ? { ok: true, resultJson: summarize(outcome.resultJson) } : { ok: false, failure: reportFailure(outcome.failure) };
  return { ...base, ...planned.judge(outcome), after, durationMs };
}

function plannedTest(args: Record<string, unknown>, expectation: Expectation, label: string, name: string | undefined): PlannedCase {
  const before: GateCase['before'] =
    expectation.kind === 'error' ? { errorKind: expectation.errorKind } : expectation.kind === 'result' ? { success: true, resultJson: summarize(JSON.stringify(expectation.value) ?? 'null') } : { success: true };
  return {
    source: 'test',
    name: name ?? label,
    args,
    argumentsJson: argumentsText(args, MAX_REPORT_ARGUMENTS_CHARS),
    before,
    judge: (outcome) => {
      if (expectation.kind === 'error') {
        if (!outcome.ok && outcome.failure.kind === expectation.errorKind) return { status: 'passed' };
        return { status: 'failed', reason: outcome.ok ? `expected a failure of kind ${expectation.errorKind}; it succeeded` : `expected a failure of kind ${expectation.errorKind}; it failed with kind ${outcome.failure.kind}` };
      }
      if (!outcome.ok) return { status: 'failed', reason: `expected ${expectation.kind === 'result' ? 'a result' : 'success'}; it failed [${outcome.failure.kind}]` };
      if (expectation.kind === 'result' && !sameJson(outcome.result, expectation.value)) return { status: 'failed', reason: 'the result is not the one expected (deep JSON equality)' };
      return { status: 'passed' };
    },
  };
}

function plannedReplay(replay: Replay): PlannedCase {
  return {
    source: 'replay',
    args: replay.args,
    argumentsJson: argumentsText(replay.args, MAX_REPORT_ARGUMENTS_CHARS),
    before: replay.resultSummary === null ? { success: true } : { success: true, resultJson: replay.resultSummary },
    judge: (outcome) => {
      if (!outcome.ok) return { status: 'failed', reason: `this call succeeded on the active version and now fails [${outcome.failure.kind}]` };
      return sameResult(replay.resultSummary, outcome) ? { status: 'passed' } : { status: 'changed', reason: 'it still succeeds, with another result' };
    },
  };
}

/** The earlier result as logged (maybe cut at 2,000 characters) against the new one. */
function sameResult(before: string | null, outcome: Extract<CaseOutcome, { ok: true }>): boolean {
  if (before === null) return true;
  if (summarize(outcome.resultJson) === before) return true;
  try {
    return sameJson(JSON.parse(before), outcome.result);
  } catch {
    // A cut summary is not JSON: the texts differed, so the result did.
    return false;
  }
}

/** The failure as a report keeps it: where and why, without the raw stack or every frame. */
function reportFailure(f: Failure): Failure {
  return {
    kind: f.kind,
    name: f.name,
    message: f.message.length > 2_000 ? `${f.message.slice(0, 2_000)}…` : f.message,
    frames: f.frames.slice(0, MAX_REPORT_FRAMES),
    rawStack: null,
    mapped: f.mapped,
    codeFrame: f.codeFrame,
  };
}
