import type { ChildProcess } from 'node:child_process';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { takeEarlySandbox } from './early-start.js';
import { forkSandboxWorker } from './fork-worker.js';
import { callerEndedFault, deathFault, earlyExitReason, faultReply, overloadedFault, spawnReason, startFault, type StartFailureCause } from './pool-faults.js';
import { EXIT_CATASTROPHIC, FATAL_MARKER, MAX_PROGRESS_MESSAGE_CHARS, type CapabilityRequest, type ProgressReport, type RunJob, type RunReply, type WorkerFault, type WorkerReply, type WorkerRequest } from './protocol.js';
import { laneIsolateKey, ToolLanes, type ToolLaneState } from './tool-lanes.js';

export interface SandboxPoolOptions {
  /** Number of sandbox processes. A tool's first isolate is always on the same one. */
  processes: number;
  /** Isolates (lanes) one tool's calls may run in at once, spread over the processes. */
  parallelCallsPerTool: number;
  /** Calls of one tool that may wait for a lane; one more is refused as `overloaded`. */
  maxWaitingCallsPerTool: number;
  /** Extra time the supervisor grants past a call's deadline before killing its process. */
  killGraceMs: number;
  /** Resident memory cap of a busy sandbox process, as a multiple of the tool's memory_mb. */
  rssFactor: number;
  maxIsolatesPerProcess: number;
  /** Memory limit of the spare isolate each sandbox process keeps ready (the tools' default). */
  spareMemoryMb: number;
  logger: Logger;
  /** Extra environment for sandbox processes (the security suite plants a canary there). */
  extraEnv?: Record<string, string>;
}

export type JobInput = Omit<RunJob, 'id'>;

/**
 * The server's side of one call's capabilities: answers the requests its guest makes (fetch,
 * kv) in the server process, which holds the secrets and connections the sandbox must not.
 */
export interface CallHost {
  /** Never rejects: a refusal or failure is `{ ok: false, body: JSON {name, message} }`. */
  request(op: string, body: string): Promise<{ ok: boolean; body: string }>;
  /** The call was sent to its sandbox process: its deadline runs from about now. */
  dispatched?(): void;
  /** A ctx.progress report of the call (checked as data here; bounded again by the host). */
  progress?(progress: number, total: number | undefined, message: string | undefined): void;
}

/**
 * Bounds of a call made by another tool (ctx.tools): it never runs past its caller's deadline
 * (`deadlineAt`, performance.now() ms), however long it waited for a lane, and a call still
 * waiting when its caller ends (`signal`) never starts.
 */
export interface RunBounds {
  deadlineAt: number;
  signal: AbortSignal;
}

/** A call waiting in the server for a lane of its tool: no deadline runs while it waits. */
interface Waiting {
  job: RunJob;
  resolve: (reply: RunReply) => void;
  host: CallHost | undefined;
  bounds: RunBounds | undefined;
}

interface Pending {
  job: RunJob;
  resolve: (reply: RunReply) => void;
  host: CallHost | undefined;
  /** The deadline's kill timer; armed once the process is ready, so its start-up is not billed to the call. */
  timer: NodeJS.Timeout | null;
  /**
   * When the last call sent before it on this process ended (performance.now()). Until then it
   * may not have started (a synchronous call holds the whole thread), so its deadline runs from
   * then at the earliest.
   */
  olderDoneAt?: number;
}

interface WorkerSlot {
  child: ChildProcess | null;
  pending: Map<number, Pending>;
  /** Why we killed the child, if we did: decides the fault of the calls that die with it. */
  killedFor: { id: number } | null;
  /** The exit code the child announced on stderr before killing itself. */
  announcedExit: number | null;
  /** V8 printed its out-of-memory report: the heap, not the clock, is what ended the child. */
  heapExhausted: boolean;
  /** Scripts this child has been sent: later jobs for them go without their code. */
  sentScripts: Set<string>;
  /** The child said it is ready to run calls (its memory watchdog is up). */
  ready: boolean;
  /** Kills a child that never gets ready. */
  startTimer: NodeJS.Timeout | null;
  /** Jobs waiting for the next batch to this child (only while others are in flight). */
  outbox: RunJob[];
  /** Set while no process could be started here: why, and the timer of the next attempt. */
  startFailure: { reason: string; cause: StartFailureCause; attempts: number; retry: NodeJS.Timeout | null } | null;
}

/** How long after the first sandbox process is ready the others start. */
const REST_START_DELAY_MS = 500;

/** The shortest time limit a nested call is started with: less is no time to run in. */
export const MIN_NESTED_TIMEOUT_MS = 10;

/** How often a call past its deadline, queued behind an older call, is looked at again. */
const OVERRUN_RECHECK_MS = 25;

/** What V8 prints when a heap is out of memory, before it calls the catastrophic-error handler. */
const V8_HEAP_OOM_REPORT = /<--- Last few GCs --->|last resort; GC in old space requested/;

/** A tool whose last call used less CPU than this is quick: its calls share an isolate (tool-lanes.ts). */
const QUICK_CPU_MS = 20;

/** Backoff between attempts to start a sandbox process after one failed to start. */
const START_RETRY_MIN_MS = 250;
const START_RETRY_MAX_MS = 10_000;

/** A sandbox process starts in ~0.1-0.3 s; one that is not ready after this is wedged. */
const START_TIMEOUT_MS = 15_000;

/**
 * Supervises the sandbox processes: routes calls, enforces the outer deadline, and kills and
 * replaces a process that overruns, passes its memory cap or dies. Only the calls that were on
 * that process fail, each with a fault that says why; the next call gets a fresh process.
 */
export class SandboxPool {
  private readonly slots: WorkerSlot[];
  private readonly lanes: ToolLanes<Waiting>;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: SandboxPoolOptions) {
    this.lanes = new ToolLanes({ maxLanes: options.parallelCallsPerTool, maxWaiting: options.maxWaitingCallsPerTool, quickCpuMs: QUICK_CPU_MS });
    this.slots = Array.from({ length: options.processes }, () => ({ child: null, pending: new Map(), killedFor: null, announcedExit: null, heapExhausted: false, sentScripts: new Set<string>(), ready: false, startTimer: null, outbox: [], startFailure: null }));
    // One process first: on a 2-core machine two node + isolated-vm start-ups at once made the
    // first one ready ~25% later. The others start a little after it is ready, or as soon as a
    // call needs them. `chameleon serve` may have started the first already (early-start.ts).
    const early = takeEarlySandbox(options.extraEnv ?? {});
    if (early) options.logger.debug('adopted the sandbox process started early', { pid: early.pid });
    this.spawn(this.slots[0]!, early ?? undefined);
  }

  /** Starts the processes not started yet (after the first is ready). */
  private spawnRest(): void {
    if (this.closed) return;
    // A slot whose process died was restarted at once (exited()): no child means never started.
    for (const slot of this.slots) if (slot.child === null && slot.startFailure === null) this.spawn(slot);
  }

  /** Runs one job. Resolves with the worker's reply or a fault; never rejects for guest faults. */
  run(input: JobInput, host?: CallHost, bounds?: RunBounds): Promise<RunReply> {
    if (this.closed) return Promise.reject(new AppError('SANDBOX_UNAVAILABLE', 'The sandbox pool is shut down.'));
    // Assigned, not spread: `{ ...input, id }` takes V8's slow path (~7 us a call here).
    const job: RunJob = Object.assign({ id: this.nextId++ }, input);
    const tool = this.lanes.stateOf(input.isolateKey);
    const probe = job.probe === true;
    return new Promise<RunReply>((resolve) => {
      if (bounds?.signal.aborted === true) {
        resolve(faultReply(job.id, callerEndedFault()));
        return;
      }
      const lane = this.lanes.choose(tool, probe);
      if (lane === 'overloaded') resolve(faultReply(job.id, overloadedFault(tool.waiting.length)));
      else if (lane === 'wait') this.waitForLane(tool, { job, resolve, host, bounds }, probe);
      else this.dispatch(tool, lane, job, resolve, host, bounds);
    });
  }

  /** Holds a call for a lane; one whose caller ends meanwhile leaves the queue without running. */
  private waitForLane(tool: ToolLaneState<Waiting>, call: Waiting, probe: boolean): void {
    this.lanes.wait(tool, call, probe);
    const { bounds } = call;
    if (bounds === undefined) return;
    const leave = (): void => {
      if (this.lanes.remove(tool, call)) call.resolve(faultReply(call.job.id, callerEndedFault()));
    };
    bounds.signal.addEventListener('abort', leave, { once: true });
    // Dispatched (or answered) first: the listener is no longer needed.
    const resolve = call.resolve;
    call.resolve = (reply) => {
      bounds.signal.removeEventListener('abort', leave);
      resolve(reply);
    };
  }

  /** Sends a job to its lane's isolate, on the lane's process; the lane is free again when it is answered. */
  private dispatch(tool: ToolLaneState<Waiting>, lane: number, job: RunJob, resolve: (reply: RunReply) => void, host: CallHost | undefined, bounds?: RunBounds): void {
    if (bounds !== undefined) {
      // A nested call gets what is left of its caller's time, counted from now: the time it
      // waited for this lane is gone from its caller's deadline too.
      const left = Math.floor(bounds.deadlineAt - performance.now());
      if (left < MIN_NESTED_TIMEOUT_MS || bounds.signal.aborted) {
        resolve(faultReply(job.id, callerEndedFault()));
        if (tool.waiting.length > 0) queueMicrotask(() => this.drain(tool));
        return;
      }
      if (left < job.timeoutMs) job.timeoutMs = left;
    }
    host?.dispatched?.();
    tool.inFlight[lane]!++;
    const answered = (reply: RunReply): void => {
      const hitLimit = reply.fault?.kind === 'timeout' || reply.fault?.kind === 'memory';
      this.lanes.finished(tool, lane, { cpuMs: reply.cpuMs, hitLimit, probe: job.probe === true });
      resolve(reply);
      // Not now: a process that died settles all its calls, then is replaced (exited()); calls
      // sent from inside that loop would start a second process in its slot.
      if (tool.waiting.length > 0) queueMicrotask(() => this.drain(tool));
    };
    job.isolateKey = laneIsolateKey(tool.key, lane);
    const slot = this.slotFor(tool.key, lane);
    // While starts fail (no descriptors, processes or memory), calls get a clear answer at once
    // instead of queueing for a process that may not come; the retry timer brings it back.
    const child = slot.child ?? (slot.startFailure?.retry ? null : this.spawn(slot));
    if (!child) {
      answered(faultReply(job.id, startFault(slot.startFailure?.reason ?? 'unknown', slot.startFailure?.cause)));
      return;
    }
    const pending: Pending = { job, resolve: answered, host, timer: null };
    slot.pending.set(job.id, pending);
    if (slot.ready) this.armDeadline(slot, pending);
    this.send(slot, child, job);
  }

  /** Sends the tool's waiting calls to the lanes that are free now. */
  private drain(tool: ToolLaneState<Waiting>): void {
    if (this.closed) return; // close() answered them.
    for (let next = this.lanes.next(tool, isProbe); next !== null; next = this.lanes.next(tool, isProbe)) {
      this.dispatch(tool, next.lane, next.call.job, next.call.resolve, next.call.host, next.call.bounds);
    }
  }

  /**
   * A tool's first lane is on one process (its isolate stays warm there), chosen by its key;
   * its other lanes on the processes after it. While a process has not been started (the first
   * seconds of a server: see the constructor), its calls go to the first one instead of
   * starting another node process for a cold call: a server's first result came ~100 ms sooner.
   * Once all run, a tool that ran there is cold once in its own process.
   */
  private slotFor(toolKey: string, lane: number): WorkerSlot {
    const slot = this.slots[(hashKey(toolKey) + lane) % this.slots.length]!;
    const first = this.slots[0]!;
    return slot.child === null && first.child !== null ? first : slot;
  }

  private armDeadline(slot: WorkerSlot, pending: Pending): void {
    pending.timer ??= setTimeout(() => this.overran(slot, pending.job.id), pending.job.timeoutMs + this.options.killGraceMs);
  }

  /**
   * Sends a job, with its code only if this child has not had that script yet. A job for an
   * idle child goes at once; while others are in flight, jobs are batched until the event loop
   * turns (one message and one wake-up of the child for all the calls that arrived together).
   */
  private send(slot: WorkerSlot, child: ChildProcess, job: RunJob): void {
    const known = slot.sentScripts.has(job.scriptKey);
    slot.sentScripts.add(job.scriptKey);
    if (slot.sentScripts.size > 10_000) slot.sentScripts.clear();
    let wire = job;
    if (known && job.compiledJs !== undefined) {
      const { compiledJs: _sent, ...withoutCode } = job;
      wire = withoutCode;
    }
    if (slot.pending.size <= 1 && slot.outbox.length === 0) {
      this.post(slot, child, { type: 'run', job: wire }, [job.id]);
      return;
    }
    slot.outbox.push(wire);
    if (slot.outbox.length === 1) setImmediate(() => this.flush(slot, child));
  }

  private flush(slot: WorkerSlot, child: ChildProcess): void {
    const jobs = slot.outbox;
    slot.outbox = [];
    if (jobs.length === 0 || slot.child !== child) return;
    const ids = jobs.map((j) => j.id);
    this.post(slot, child, jobs.length === 1 ? { type: 'run', job: jobs[0]! } : { type: 'runs', jobs }, ids);
  }

  private post(slot: WorkerSlot, child: ChildProcess, message: WorkerRequest, ids: number[]): void {
    child.send(message, (err) => {
      if (!err) return;
      // A closed channel means the process is ending: its 'close' settles these calls with what
      // ended it (a failed start, a crash), which says more than the channel does.
      if (!child.connected) return;
      for (const id of ids) this.settle(slot, id, faultReply(id, { kind: 'internal', message: `Could not reach the sandbox process: ${err.message}` }));
    });
  }

  /** Pids of the live sandbox processes (for tests and diagnostics). */
  pids(): number[] {
    return this.slots.flatMap((s) => (s.child?.pid ? [s.child.pid] : []));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { job, resolve } of this.lanes.takeAllWaiting()) resolve(faultReply(job.id, SHUTDOWN_FAULT));
    for (const slot of this.slots) if (slot.startFailure?.retry) clearTimeout(slot.startFailure.retry);
    await Promise.all(
      this.slots.map(async (slot) => {
        const child = slot.child;
        if (!child) return;
        // exited() runs on 'close' and settles every call still pending on this process.
        const closed = new Promise<void>((r) => child.once('close', () => r()));
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await closed;
      }),
    );
  }

  /**
   * Starts a sandbox process in `slot` (or takes one started early) and sends it its settings.
   * Returns null when the process could not be started (see startFailed()).
   */
  private spawn(slot: WorkerSlot, started?: ChildProcess): ChildProcess | null {
    let child: ChildProcess;
    try {
      child = started ?? forkSandboxWorker(this.options.extraEnv ?? {});
    } catch (err) {
      // fork() throws for some failures (ENOMEM, ...).
      this.startFailed(slot, spawnReason(err));
      return null;
    }
    if (child.pid === undefined || typeof child.send !== 'function') {
      // For EMFILE, ENFILE and EAGAIN fork() returns a child that never ran, with no IPC channel
      // (so no send()), and reports the errno by an 'error' event on the next tick; unheard, that
      // event kills the server. Calls of 'send' on it once crashed the server in the middle of
      // replacing a sandbox process (issue 12, item 3).
      child.once('error', (err) => {
        if (slot.child === null && slot.startFailure) slot.startFailure.reason = spawnReason(err);
        this.options.logger.error('sandbox spawn error', { error: err.message });
      });
      this.startFailed(slot, 'the system refused to start a process');
      return null;
    }
    // The first message, before any job (IPC keeps the order).
    child.send({
      type: 'configure',
      settings: { rssFactor: this.options.rssFactor, maxIsolates: this.options.maxIsolatesPerProcess, spareMemoryMb: this.options.spareMemoryMb },
    } satisfies WorkerRequest);
    slot.child = child;
    slot.killedFor = null;
    slot.announcedExit = null;
    slot.heapExhausted = false;
    slot.sentScripts.clear();
    slot.outbox = [];
    slot.ready = false;
    if (slot.startTimer) clearTimeout(slot.startTimer);
    slot.startTimer = setTimeout(() => {
      if (slot.child !== child || slot.ready) return;
      this.options.logger.warn('sandbox process did not start in time; replacing it', { pid: child.pid });
      child.kill('SIGKILL');
    }, START_TIMEOUT_MS);
    slot.startTimer.unref();
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (slot.child === child) {
        const fatal = new RegExp(`${FATAL_MARKER}(\\d+)`).exec(chunk);
        if (fatal) slot.announcedExit = Number(fatal[1]);
        if (V8_HEAP_OOM_REPORT.test(chunk)) slot.heapExhausted = true;
      }
      this.options.logger.warn(`sandbox ${child.pid}: ${chunk.trim().slice(0, 2000)}`);
    });
    child.on('message', (message: WorkerReply) => {
      if (message?.type === 'ready' && slot.child === child) {
        slot.ready = true;
        if (slot.startFailure) this.options.logger.info('sandbox process started again after failed starts', { pid: child.pid });
        slot.startFailure = null;
        if (slot.startTimer) clearTimeout(slot.startTimer);
        for (const pending of slot.pending.values()) this.armDeadline(slot, pending);
        // A fork blocks this thread for tens of ms: not in the middle of the first calls.
        setTimeout(() => this.spawnRest(), REST_START_DELAY_MS).unref();
        return;
      }
      if (message?.type === 'request') this.serveRequest(slot, child, message);
      else if (message?.type === 'progress') this.relayProgress(slot, child, message);
      else if (message?.type === 'results') for (const reply of message.replies) this.received(slot, child, reply);
      else if (message?.type === 'result') this.received(slot, child, message);
    });
    // 'close', not 'exit': by then stderr is drained, so an announced exit code has been read.
    child.on('close', (code, signal) => this.exited(slot, child, code, signal));
    child.on('error', (err) => this.options.logger.error('sandbox process error', { err }));
    return child;
  }

  /**
   * No process could be started in `slot`: fail its calls with an answer that says so, and try
   * again later, with a backoff that doubles up to START_RETRY_MAX_MS (a tight loop of forks
   * that fail would burn the CPU that a starved machine needs).
   */
  private startFailed(slot: WorkerSlot, reason: string, cause: StartFailureCause = 'refused'): void {
    slot.child = null;
    slot.ready = false;
    if (slot.startTimer) clearTimeout(slot.startTimer);
    const attempts = (slot.startFailure?.attempts ?? 0) + 1;
    const delay = Math.min(START_RETRY_MIN_MS * 2 ** (attempts - 1), START_RETRY_MAX_MS);
    this.options.logger.error(`could not start a sandbox process (${reason}); retrying in ${delay} ms`, { attempt: attempts });
    const retry = this.closed
      ? null
      : setTimeout(() => {
          if (slot.startFailure) slot.startFailure.retry = null;
          if (!this.closed && slot.child === null) this.spawn(slot);
        }, delay);
    slot.startFailure = { reason, cause, attempts, retry };
    for (const id of [...slot.pending.keys()]) this.settle(slot, id, faultReply(id, startFault(reason, cause)));
  }

  /**
   * A running call asks for a capability: its host answers, and the answer goes back to the
   * process the call runs in, if the call still runs there. The sandbox process's message is
   * untrusted: only a call of that process, with a host, is served.
   */
  private serveRequest(slot: WorkerSlot, child: ChildProcess, request: CapabilityRequest): void {
    const pending = slot.pending.get(request.id);
    if (!pending || slot.child !== child || typeof request.requestId !== 'number' || typeof request.op !== 'string' || typeof request.body !== 'string') return;
    const answer = pending.host
      ? pending.host.request(request.op, request.body)
      : Promise.resolve({ ok: false, body: JSON.stringify({ name: 'Error', message: 'This call has no capabilities (a load check runs none).' }) });
    void answer.then(({ ok, body }) => {
      if (slot.child !== child || slot.pending.get(request.id) !== pending || !child.connected) return;
      child.send({ type: 'response', id: request.id, requestId: request.requestId, ok, body } satisfies WorkerRequest, () => undefined);
    });
  }

  /** A running call's ctx.progress, for its host; the sandbox process's message is untrusted data. */
  private relayProgress(slot: WorkerSlot, child: ChildProcess, report: ProgressReport): void {
    const pending = slot.pending.get(report.id);
    if (!pending?.host?.progress || slot.child !== child) return;
    const { progress, total, message } = report;
    if (typeof progress !== 'number' || !Number.isFinite(progress)) return;
    if (total !== undefined && (typeof total !== 'number' || !Number.isFinite(total))) return;
    if (message !== undefined && (typeof message !== 'string' || message.length > MAX_PROGRESS_MESSAGE_CHARS)) return;
    pending.host.progress(progress, total, message);
  }

  private received(slot: WorkerSlot, child: ChildProcess, reply: RunReply): void {
    const pending = slot.pending.get(reply.id);
    if (reply.needCode && pending && slot.child === child) {
      // The worker dropped the script (LRU, or its isolate was disposed): send it again.
      slot.sentScripts.delete(pending.job.scriptKey);
      this.send(slot, child, pending.job);
      return;
    }
    this.settle(slot, reply.id, reply);
  }

  private settle(slot: WorkerSlot, id: number, reply: RunReply): void {
    const pending = slot.pending.get(id);
    if (!pending) return;
    slot.pending.delete(id);
    if (pending.timer) clearTimeout(pending.timer);
    const now = performance.now();
    for (const [laterId, later] of slot.pending) if (laterId > id) later.olderDoneAt = now;
    pending.resolve(reply);
  }

  /** The worker did not answer in time: its thread may be wedged. Only killing it is certain. */
  private overran(slot: WorkerSlot, id: number, answersRead = false): void {
    const child = slot.child;
    const pending = slot.pending.get(id);
    if (!pending || !child) return;
    if (!answersRead) {
      // Timers run before the event loop reads its pipes: after this process was stopped
      // (SIGSTOP, a suspended machine) the deadline fires with the answer already waiting in
      // the IPC pipe. Read it first (setImmediate runs after the poll phase).
      setImmediate(() => this.overran(slot, id, true));
      return;
    }
    // An older call still holds this process (a synchronous call holds its whole thread, see
    // worker/fast-path.ts): this one may not have started. The older call's own deadline
    // decides; once it is done, this one gets its full deadline from then, so waiting delays a
    // call but never fails it. That holds also when the older call ended just before this
    // deadline (olderDoneAt): a call behind a 300 ms spin once had 10 ms left to run.
    for (const olderId of slot.pending.keys()) {
      if (olderId >= id) break; // Map order is send order, and ids grow.
      pending.timer = setTimeout(() => this.overran(slot, id), OVERRUN_RECHECK_MS);
      return;
    }
    if (pending.olderDoneAt !== undefined) {
      const left = pending.olderDoneAt + pending.job.timeoutMs + this.options.killGraceMs - performance.now();
      if (left > 0) {
        pending.timer = setTimeout(() => this.overran(slot, id), left);
        return;
      }
    }
    this.options.logger.warn('sandbox process overran a deadline; replacing it', { pid: child.pid, job: id });
    slot.killedFor = { id };
    child.kill('SIGKILL');
  }

  private exited(slot: WorkerSlot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    const killedFor = slot.killedFor;
    // A heap that ran out in a synchronous call cannot reach its catastrophic-error handler
    // (the thread it needs is the one stuck) and is killed at its deadline: V8's report on
    // stderr says what really happened.
    const exitCode = slot.heapExhausted ? EXIT_CATASTROPHIC : (slot.announcedExit ?? code);
    // A process that never said it was ready ran no call: its runtime did not load (a broken
    // isolated-vm build, the machine out of something). Starting the next one at once made a
    // tight loop of forks, each told to its calls as the tool's fault; it is a failed start,
    // retried with the backoff of startFailed().
    if (!slot.ready && killedFor === null && !this.closed) {
      this.startFailed(slot, earlyExitReason(exitCode, signal), 'early-exit');
      return;
    }
    slot.child = null;
    for (const [id, pending] of [...slot.pending]) {
      const fault: WorkerFault = this.closed
        ? SHUTDOWN_FAULT
        : deathFault(pending.job, id, killedFor, exitCode, signal);
      this.settle(slot, id, faultReply(id, fault));
    }
    if (!this.closed) {
      this.options.logger.warn('sandbox process ended; starting a new one', { pid: child.pid, code, signal });
      this.spawn(slot);
    }
  }
}

const isProbe = (call: Waiting): boolean => call.job.probe === true;

const SHUTDOWN_FAULT: WorkerFault = { kind: 'internal', message: 'The server is shutting down; the call was stopped before it finished.' };

/** FNV-1a: a stable spread of tools over processes, so a tool's isolate stays warm in one place. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
