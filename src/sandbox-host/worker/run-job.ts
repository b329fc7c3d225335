import type ivm from 'isolated-vm';
import { classifyIsolateError, isCpuTimeout } from '../classify.js';
import type { CpuSamples, NotSampled, RunJob, RunReply, WorkerFault } from '../protocol.js';
import type { CallProfile, CpuSampler } from './cpu-profile.js';
import type { FastPathPolicy } from './fast-path.js';
import { NeedCodeError, type EntryFunction, type IsolateCache, type IsolateEntry, type Realm } from './isolate-cache.js';
import { abandoned, heapUsed, recoverConsole, then, type MaybePromise } from './isolate-reads.js';
import { rejectionEnvelope } from './unhandled-rejection.js';

/**
 * Runs one call in the tool's hardened realm, under its CPU-time limit (isolated-vm `timeout`)
 * and, while it waits on a promise, its wall-clock deadline (a timer that disposes the
 * isolate, because `timeout` does not see a promise that never settles). Never throws.
 *
 * A warm call of a version whose last call was quick enters the isolate synchronously
 * (`applySync`, ~5 us) instead of through isolated-vm's thread pool (`apply`, ~45 us); see
 * fast-path.ts for when, and what bounds the time it holds this process's thread. A call that
 * follows a CPU timeout of its version is sampled by V8's CPU profiler, so that a timeout can
 * say where the CPU was (cpu-profile.ts says why only those).
 */
const WALL_CLOCK_SLACK_MS = 50;

/** What a sandbox process keeps across calls, besides its isolates. */
export interface RunContext {
  policy: FastPathPolicy;
  sampler: CpuSampler;
}

export function runJob(cache: IsolateCache, job: RunJob, run: RunContext): RunReply | Promise<RunReply> {
  return then(start(cache, job, run), (reply) => recorded(run, job, reply));
}

function recorded({ policy, sampler }: RunContext, job: RunJob, reply: RunReply): RunReply {
  // A load check runs no handler: how quick it was says nothing about the calls to come.
  if (!reply.needCode && job.probe !== true) {
    policy.record(job.scriptKey, reply.cpuMs, reply.fault?.kind === 'timeout' || reply.fault?.kind === 'memory');
    // A call that burnt at least half its limit before the wall clock stopped it was spinning
    // too: its version's next call is sampled as after a CPU timeout.
    const spun = reply.cpuSamples !== undefined || (reply.fault?.kind === 'timeout' && (reply.cpuMs ?? 0) >= job.timeoutMs / 2);
    sampler.record(job.scriptKey, spun);
  }
  return reply;
}

function start(cache: IsolateCache, job: RunJob, run: RunContext): MaybePromise<RunReply> {
  const entry = cache.get(job.isolateKey, job.memoryMb);
  const realm = entry.readyRealm();
  if (realm) {
    let enter: ivm.Reference<EntryFunction> | null;
    try {
      // A version seen before, or (a new version in a ready realm) compiled here and now:
      // two hops to isolated-vm's thread pool fewer for a new tool's load check.
      enter = entry.readyEntry(job.scriptKey) ?? entry.bindNow(job.scriptKey, job.filename, job.compiledJs);
    } catch (error) {
      return unprepared(entry, job, run, error);
    }
    if (enter) return call(entry, realm, enter, job, run);
  }
  return prepare(entry, job, run).then((ready) => ('reply' in ready ? ready.reply : call(entry, ready.realm, ready.enter, job, run)));
}

/** A version that could not be compiled or bound: the supervisor must send its code, or the call fails. */
function unprepared(entry: IsolateEntry, job: RunJob, run: RunContext, error: unknown): MaybePromise<RunReply> {
  if (error instanceof NeedCodeError) return { ...emptyReply(job), needCode: true };
  return fail(entry, job, run, error, { wallClockExpired: false, cpuBefore: null, realm: null, samples: null });
}

/** Makes (or waits for) the realm and the version's entry; a cold call's only async part. */
async function prepare(
  entry: IsolateEntry,
  job: RunJob,
  run: RunContext,
): Promise<{ realm: Realm; enter: ivm.Reference<EntryFunction> } | { reply: RunReply }> {
  entry.inFlight++;
  try {
    const realm = await entry.realm();
    const enter = await entry.entry(job.scriptKey, job.filename, job.compiledJs);
    return { realm, enter };
  } catch (error) {
    return { reply: await unprepared(entry, job, run, error) };
  } finally {
    entry.done();
  }
}

function call(
  entry: IsolateEntry,
  realm: Realm,
  enter: ivm.Reference<EntryFunction>,
  job: RunJob,
  run: RunContext,
): MaybePromise<RunReply> {
  // The call's timers (guest-timers.ts): each fires under the call's CPU limit, and all end with it.
  realm.timers.begin((id) => realm.fire.apply(undefined, [id], { timeout: job.timeoutMs }));
  // Its capability requests (guest-requests.ts): each answer enters the realm as a timer does.
  realm.requests.begin(job.id, (requestId, ok, body) => realm.deliver.apply(undefined, [requestId, ok, body], { timeout: job.timeoutMs }));
  // Its ctx.progress (guest-progress.ts): counted, and sent on only when the request asked for progress.
  realm.progress.begin(job.id, job.progress === true);
  // Not while a call profiles this isolate: a synchronous entry would start a profiler on this thread.
  const sync = run.policy.allows(job.scriptKey) && !run.sampler.profiling(entry.isolate);
  const out = sync ? callSync(entry, realm, enter, job, run) : callAsync(entry, realm, enter, job, run);
  if (!(out instanceof Promise)) return endCall(realm, out);
  return out.then(
    (reply) => endCall(realm, reply),
    (error: unknown) => {
      endCall(realm, null);
      throw error;
    },
  );
}

/** The call's timers, requests and progress end with it (its last progress report crossed before it returned). */
function endCall<R extends RunReply | null>(realm: Realm, reply: R): R {
  realm.timers.end();
  realm.requests.end();
  const progressCalls = realm.progress.end();
  if (reply !== null && progressCalls > 0) reply.progressCalls = progressCalls;
  return reply;
}

/** One synchronous entry; a call that returned a promise is taken, or waited for. */
function callSync(
  entry: IsolateEntry,
  realm: Realm,
  enter: ivm.Reference<EntryFunction>,
  job: RunJob,
  run: RunContext,
): MaybePromise<RunReply> {
  const { isolate } = entry;
  const cpuBefore = safeCpuTime(isolate);
  entry.inFlight++;
  try {
    const out = enter.applySync(undefined, [job.argsJson, job.metaJson, job.executionId], { timeout: job.timeoutMs });
    if (typeof out !== 'number') return envelopeReply(entry, job, run, out, cpuBefore);
    // The microtask checkpoint that ended the entry has run: the envelope is there, unless the
    // promise waits on something. No guest code runs in `take`.
    const envelope = realm.take.applySync(undefined, [out]);
    if (envelope !== undefined) return envelopeReply(entry, job, run, envelope, cpuBefore);
    return waitPending(entry, realm, out, job, run, cpuBefore);
  } catch (error) {
    return fail(entry, job, run, error, { wallClockExpired: false, cpuBefore, realm, samples: { notSampled: 'fast_path' } });
  } finally {
    entry.done();
  }
}

/** The same call through isolated-vm's thread pool (sampled, when suspect): this process's thread stays free. */
function callAsync(entry: IsolateEntry, realm: Realm, enter: ivm.Reference<EntryFunction>, job: RunJob, run: RunContext): Promise<RunReply> {
  const cpuBefore = safeCpuTime(entry.isolate);
  const profile = run.sampler.start(entry.isolate, job, () => entry.dispose());
  return underDeadline(entry, realm, job, run, cpuBefore, profile, async () => {
    const out = await enter.apply(undefined, [job.argsJson, job.metaJson, job.executionId], { timeout: job.timeoutMs });
    if (typeof out !== 'number') return out;
    const envelope = await realm.take.apply(undefined, [out]);
    return envelope !== undefined ? envelope : await waitFor(realm, out, job);
  });
}

/** A promise the entry's microtask checkpoint did not settle: wait for it, under the wall clock. */
function waitPending(entry: IsolateEntry, realm: Realm, token: number, job: RunJob, run: RunContext, cpuBefore: bigint | null): Promise<RunReply> {
  return underDeadline(entry, realm, job, run, cpuBefore, { notSampled: 'fast_path' }, () => waitFor(realm, token, job));
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
    // Through the thread pool: a synchronous entry while the call is sampled would start a
    // profiler on this thread (cpu-profile.ts).
    await realm.abandon.apply(undefined, [], { timeout: 50 });
  } catch {
    /* A realm that cannot forget it still answers this call; its next call disposes nothing it needs. */
  }
  return first.timerFailure;
}

/**
 * Runs `step` (which yields the envelope) counted in flight and under the wall-clock deadline;
 * what it throws is the call's fault. The profile is stopped before the reply reads the isolate.
 */
async function underDeadline(
  entry: IsolateEntry,
  realm: Realm,
  job: RunJob,
  run: RunContext,
  cpuBefore: bigint | null,
  profile: CallProfile | NotSampled,
  step: () => Promise<unknown>,
): Promise<RunReply> {
  entry.inFlight++;
  const deadline = startDeadline(entry, job);
  try {
    let outcome: { envelope: unknown } | { error: unknown };
    try {
      outcome = { envelope: await step() };
    } catch (error) {
      outcome = { error };
    }
    deadline.clear();
    // Only a CPU timeout reads its samples: after the wall-clock deadline the isolate is gone.
    const samples = 'notSampled' in profile ? profile : await profile.stop('error' in outcome && isCpuTimeout(outcome.error));
    if ('envelope' in outcome) return await envelopeReply(entry, job, run, outcome.envelope, cpuBefore);
    const reply = await fail(entry, job, run, outcome.error, { wallClockExpired: deadline.expired(), cpuBefore, realm, samples });
    const atExpiry = deadline.cpuAtExpiry();
    if (reply.cpuMs === null && atExpiry !== null && cpuBefore !== null) reply.cpuMs = Number(atExpiry - cpuBefore) / 1e6;
    return reply;
  } finally {
    deadline.clear();
    entry.done();
  }
}

/**
 * The wall clock fires a little after the CPU limit, so a synchronous spin is reported as the
 * CPU timeout it is; only calls that wait (or run outside `timeout`) meet this timer.
 */
function startDeadline(entry: IsolateEntry, job: RunJob): { expired(): boolean; cpuAtExpiry(): bigint | null; clear(): void } {
  let expired = false;
  let cpuAtExpiry: bigint | null = null;
  const timer = setTimeout(() => {
    expired = true;
    // Read before the isolate goes: whether the call was waiting or burning CPU (on a loaded
    // machine a spin can meet this timer before its CPU limit).
    cpuAtExpiry = safeCpuTime(entry.isolate);
    entry.dispose();
  }, job.timeoutMs + WALL_CLOCK_SLACK_MS);
  return { expired: () => expired, cpuAtExpiry: () => cpuAtExpiry, clear: () => clearTimeout(timer) };
}

function envelopeReply(entry: IsolateEntry, job: RunJob, run: RunContext, envelope: unknown, cpuBefore: bigint | null): MaybePromise<RunReply> {
  if (typeof envelope !== 'string') {
    return { ...emptyReply(job), fault: { kind: 'internal', message: 'The sandbox prelude returned no result envelope.' } };
  }
  const cpuMs = cpuDeltaMs(entry.isolate, cpuBefore);
  return then(heapUsed(entry.isolate, run.sampler), (heapUsedBytes) => ({ ...emptyReply(job), envelope, cpuMs, heapUsedBytes }));
}

/** `samples`: a profile's summary, or why the call was not sampled; null when it could not be read. */
type Samples = CpuSamples | NotSampled | null;

function fail(
  entry: IsolateEntry,
  job: RunJob,
  run: RunContext,
  error: unknown,
  at: { wallClockExpired: boolean; cpuBefore: bigint | null; realm: Realm | null; samples: Samples },
): MaybePromise<RunReply> {
  const { isolate } = entry;
  const fault = classifyIsolateError(error, { wallClockExpired: at.wallClockExpired, timeoutMs: job.timeoutMs, memoryMb: job.memoryMb });
  const { realm } = at;
  if (fault.kind === 'internal' && realm) {
    // The entry returned and isolated-vm threw afterwards: a promise the tool let go rejected.
    // The microtask checkpoint ran to its end, so the realm is sound and keeps serving calls.
    return then(abandoned(isolate, realm, run.sampler), (produced) =>
      produced !== null ? envelopeReply(entry, job, run, rejectionEnvelope(error, produced), at.cpuBefore) : stopped(entry, job, run, fault, { ...at, cpuTimeout: false }),
    );
  }
  return stopped(entry, job, run, fault, { ...at, cpuTimeout: isCpuTimeout(error) });
}

/** A call stopped by a fault: what it used and printed, then its realm is disposed. */
function stopped(
  entry: IsolateEntry,
  job: RunJob,
  run: RunContext,
  fault: WorkerFault,
  at: { wallClockExpired: boolean; cpuBefore: bigint | null; realm: Realm | null; samples: Samples; cpuTimeout: boolean },
): MaybePromise<RunReply> {
  const { isolate } = entry;
  // Read the usage while the isolate still exists: a CPU timeout's cpu_ms is the evidence.
  const cpuMs = cpuDeltaMs(isolate, at.cpuBefore);
  return then(heapUsed(isolate, run.sampler), (heapUsedBytes) =>
    then(at.realm ? recoverConsole(isolate, at.realm.context, run.sampler) : '', (console) => {
      // A call stopped mid-way may leave jobs in the microtask queue, which would run inside
      // the next call of this tool. No realm that was interrupted serves another call.
      entry.dispose();
      // A CPU timeout says where its CPU was, or why it cannot (then the next call can).
      const sampled = at.cpuTimeout && !at.wallClockExpired ? { cpuSamples: at.samples ?? { notSampled: 'unreadable' as const } } : {};
      return { ...emptyReply(job), fault, console, cpuMs, heapUsedBytes, ...sampled };
    }),
  );
}

function emptyReply(job: RunJob): RunReply {
  return { type: 'result', id: job.id, envelope: null, fault: null, console: '', cpuMs: null, heapUsedBytes: null };
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
