import type ivm from 'isolated-vm';
import { classifyIsolateError } from '../classify.js';
import type { RunJob, RunReply } from '../protocol.js';
import type { FastPathPolicy } from './fast-path.js';
import { NeedCodeError, type EntryFunction, type IsolateCache, type IsolateEntry, type Realm } from './isolate-cache.js';
import { rejectionEnvelope } from './unhandled-rejection.js';

/**
 * Runs one call in the tool's hardened realm, under its CPU-time limit (isolated-vm `timeout`)
 * and, while it waits on a promise, its wall-clock deadline (a timer that disposes the
 * isolate, because `timeout` does not see a promise that never settles). Never throws.
 *
 * A warm call of a version whose last call was quick enters the isolate synchronously
 * (`applySync`, ~5 us) instead of through isolated-vm's thread pool (`apply`, ~45 us); see
 * fast-path.ts for when, and what bounds the time it holds this process's thread.
 */
const WALL_CLOCK_SLACK_MS = 50;

export function runJob(cache: IsolateCache, job: RunJob, policy: FastPathPolicy): RunReply | Promise<RunReply> {
  const outcome = start(cache, job, policy);
  if (outcome instanceof Promise) return outcome.then((reply) => recorded(policy, job, reply));
  return recorded(policy, job, outcome);
}

function recorded(policy: FastPathPolicy, job: RunJob, reply: RunReply): RunReply {
  // A load check runs no handler: how quick it was says nothing about the calls to come.
  if (!reply.needCode && job.probe !== true) policy.record(job.scriptKey, reply.cpuMs, reply.fault?.kind === 'timeout' || reply.fault?.kind === 'memory');
  return reply;
}

function start(cache: IsolateCache, job: RunJob, policy: FastPathPolicy): RunReply | Promise<RunReply> {
  const entry = cache.get(job.isolateKey, job.memoryMb);
  const realm = entry.readyRealm();
  if (realm) {
    let enter: ivm.Reference<EntryFunction> | null;
    try {
      // A version seen before, or (a new version in a ready realm) compiled here and now:
      // two hops to isolated-vm's thread pool fewer for a new tool's load check.
      enter = entry.readyEntry(job.scriptKey) ?? entry.bindNow(job.scriptKey, job.filename, job.compiledJs);
    } catch (error) {
      return unprepared(entry, job, error);
    }
    if (enter) return call(entry, realm, enter, job, policy);
  }
  return prepare(entry, job).then((ready) => ('reply' in ready ? ready.reply : call(entry, ready.realm, ready.enter, job, policy)));
}

/** A version that could not be compiled or bound: the supervisor must send its code, or the call fails. */
function unprepared(entry: IsolateEntry, job: RunJob, error: unknown): RunReply {
  if (error instanceof NeedCodeError) return { ...emptyReply(job), needCode: true };
  return fail(entry, job, error, { wallClockExpired: false, cpuBefore: null, realm: null });
}

/** Makes (or waits for) the realm and the version's entry; a cold call's only async part. */
async function prepare(
  entry: IsolateEntry,
  job: RunJob,
): Promise<{ realm: Realm; enter: ivm.Reference<EntryFunction> } | { reply: RunReply }> {
  entry.inFlight++;
  try {
    const realm = await entry.realm();
    const enter = await entry.entry(job.scriptKey, job.filename, job.compiledJs);
    return { realm, enter };
  } catch (error) {
    return { reply: unprepared(entry, job, error) };
  } finally {
    entry.done();
  }
}

function call(
  entry: IsolateEntry,
  realm: Realm,
  enter: ivm.Reference<EntryFunction>,
  job: RunJob,
  policy: FastPathPolicy,
): RunReply | Promise<RunReply> {
  // The call's timers (guest-timers.ts): each fires under the call's CPU limit, and all end with it.
  realm.timers.begin((id) => realm.fire.apply(undefined, [id], { timeout: job.timeoutMs }));
  const out = policy.allows(job.scriptKey) ? callSync(entry, realm, enter, job) : callAsync(entry, realm, enter, job);
  if (!(out instanceof Promise)) {
    realm.timers.end();
    return out;
  }
  return out.finally(() => realm.timers.end());
}

/** One synchronous entry; a call that returned a promise is taken, or waited for. */
function callSync(
  entry: IsolateEntry,
  realm: Realm,
  enter: ivm.Reference<EntryFunction>,
  job: RunJob,
): RunReply | Promise<RunReply> {
  const { isolate } = entry;
  const cpuBefore = safeCpuTime(isolate);
  entry.inFlight++;
  try {
    const out = enter.applySync(undefined, [job.argsJson, job.metaJson, job.executionId], { timeout: job.timeoutMs });
    if (typeof out !== 'number') return envelopeReply(entry, job, out, cpuBefore);
    // The microtask checkpoint that ended the entry has run: the envelope is there, unless the
    // promise waits on something. No guest code runs in `take`.
    const envelope = realm.take.applySync(undefined, [out]);
    if (envelope !== undefined) return envelopeReply(entry, job, envelope, cpuBefore);
    return waitPending(entry, realm, out, job, cpuBefore);
  } catch (error) {
    return fail(entry, job, error, { wallClockExpired: false, cpuBefore, realm });
  } finally {
    entry.done();
  }
}

/** The same call through isolated-vm's thread pool: this process's thread stays free. */
function callAsync(entry: IsolateEntry, realm: Realm, enter: ivm.Reference<EntryFunction>, job: RunJob): Promise<RunReply> {
  const cpuBefore = safeCpuTime(entry.isolate);
  return underDeadline(entry, realm, job, cpuBefore, async () => {
    const out = await enter.apply(undefined, [job.argsJson, job.metaJson, job.executionId], { timeout: job.timeoutMs });
    if (typeof out !== 'number') return envelopeReply(entry, job, out, cpuBefore);
    const envelope = await realm.take.apply(undefined, [out]);
    if (envelope !== undefined) return envelopeReply(entry, job, envelope, cpuBefore);
    return envelopeReply(entry, job, await waitFor(realm, out, job), cpuBefore);
  });
}

/** A promise the entry's microtask checkpoint did not settle: wait for it, under the wall clock. */
function waitPending(entry: IsolateEntry, realm: Realm, token: number, job: RunJob, cpuBefore: bigint | null): Promise<RunReply> {
  return underDeadline(entry, realm, job, cpuBefore, async () => envelopeReply(entry, job, await waitFor(realm, token, job), cpuBefore));
}

/**
 * The call's envelope once its promise settles. A call with timers may end first by a timer
 * callback that failed: then its promise is forgotten (`abandon`), as it will never settle.
 */
async function waitFor(realm: Realm, token: number, job: RunJob): Promise<unknown> {
  const settled = realm.wait.apply(undefined, [token], { timeout: job.timeoutMs, result: { promise: true } });
  const ended = realm.timers.ended();
  if (ended === null) return await settled;
  settled.catch(() => undefined); // If it loses the race: rejected when a failed realm is disposed.
  const first = await Promise.race([settled, ended.then((envelope) => ({ timerFailure: envelope }))]);
  if (typeof first !== 'object' || first === null || !('timerFailure' in first)) return first;
  try {
    realm.abandon.applySync(undefined, [], { timeout: 50 });
  } catch {
    /* A realm that cannot forget it still answers this call; its next call disposes nothing it needs. */
  }
  return first.timerFailure;
}

/** Runs `step` counted in flight and under the wall-clock deadline; what it throws is the call's fault. */
async function underDeadline(
  entry: IsolateEntry,
  realm: Realm,
  job: RunJob,
  cpuBefore: bigint | null,
  step: () => Promise<RunReply>,
): Promise<RunReply> {
  entry.inFlight++;
  const deadline = startDeadline(entry, job);
  try {
    return await step();
  } catch (error) {
    return fail(entry, job, error, { wallClockExpired: deadline.expired(), cpuBefore, realm });
  } finally {
    deadline.clear();
    entry.done();
  }
}

/**
 * The wall clock fires a little after the CPU limit, so a synchronous spin is reported as the
 * CPU timeout it is; only calls that wait (or run outside `timeout`) meet this timer.
 */
function startDeadline(entry: IsolateEntry, job: RunJob): { expired(): boolean; clear(): void } {
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    entry.dispose();
  }, job.timeoutMs + WALL_CLOCK_SLACK_MS);
  return { expired: () => expired, clear: () => clearTimeout(timer) };
}

function envelopeReply(entry: IsolateEntry, job: RunJob, envelope: unknown, cpuBefore: bigint | null): RunReply {
  if (typeof envelope !== 'string') {
    return { ...emptyReply(job), fault: { kind: 'internal', message: 'The sandbox prelude returned no result envelope.' } };
  }
  return { ...emptyReply(job), envelope, cpuMs: cpuDeltaMs(entry.isolate, cpuBefore), heapUsedBytes: heapUsed(entry.isolate) };
}

function fail(
  entry: IsolateEntry,
  job: RunJob,
  error: unknown,
  at: { wallClockExpired: boolean; cpuBefore: bigint | null; realm: Realm | null },
): RunReply {
  const { isolate } = entry;
  const fault = classifyIsolateError(error, { wallClockExpired: at.wallClockExpired, timeoutMs: job.timeoutMs, memoryMb: job.memoryMb });
  if (fault.kind === 'internal' && at.realm) {
    // The entry returned and isolated-vm threw afterwards: a promise the tool let go rejected.
    // The microtask checkpoint ran to its end, so the realm is sound and keeps serving calls.
    const produced = abandoned(isolate, at.realm);
    if (produced !== null) return envelopeReply(entry, job, rejectionEnvelope(error, produced), at.cpuBefore);
  }
  // Read the usage while the isolate still exists: a CPU timeout's cpu_ms is the evidence.
  const usage = { cpuMs: cpuDeltaMs(isolate, at.cpuBefore), heapUsedBytes: heapUsed(isolate) };
  const console = at.realm ? recoverConsole(isolate, at.realm.context) : '';
  // A call stopped mid-way may leave jobs in the microtask queue, which would run inside
  // the next call of this tool. No realm that was interrupted serves another call.
  entry.dispose();
  return { ...emptyReply(job), fault, console, ...usage };
}

function emptyReply(job: RunJob): RunReply {
  return { type: 'result', id: job.id, envelope: null, fault: null, console: '', cpuMs: null, heapUsedBytes: null };
}

/** What the entry had produced if it returned before its call threw (prelude's `abandon`), else null. */
function abandoned(isolate: ivm.Isolate, realm: Realm): string | null {
  if (isolate.isDisposed) return null;
  try {
    const produced: unknown = realm.abandon.applySync(undefined, [], { timeout: 50 });
    return typeof produced === 'string' ? produced : null;
  } catch {
    return null;
  }
}

/** What a call printed before a CPU timeout stopped it (the isolate itself is still healthy). */
function recoverConsole(isolate: ivm.Isolate, context: ivm.Context): string {
  if (isolate.isDisposed) return '';
  try {
    const text: unknown = context.evalSync('__chameleon_console()', { timeout: 50 });
    return typeof text === 'string' ? text.slice(0, 70_000) : '';
  } catch {
    return '';
  }
}

function safeCpuTime(isolate: ivm.Isolate): bigint | null {
  try {
    return isolate.cpuTime;
  } catch {
    return null;
  }
}

function cpuDeltaMs(isolate: ivm.Isolate, before: bigint | null): number | null {
  const after = safeCpuTime(isolate);
  if (before === null || after === null) return null;
  return Number(after - before) / 1e6;
}

function heapUsed(isolate: ivm.Isolate): number | null {
  try {
    return isolate.isDisposed ? null : isolate.getHeapStatisticsSync().used_heap_size;
  } catch {
    return null;
  }
}
