/**
 * Entry point of a sandbox process. The server never runs isolates itself: guest code can
 * abort a V8 process or wedge a thread (../shared/NOTES.md), so isolates live here, where the
 * supervisor can kill and replace us. Started by the supervisor with --no-node-snapshot and
 * --no-harmony-rab-gsab; talks over the IPC channel only and never writes to stdout.
 */
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { EXIT_CATASTROPHIC, EXIT_RSS_CAP, EXIT_WATCHDOG, FATAL_MARKER, type RunJob, type RunReply, type WorkerReply, type WorkerRequest, type WorkerSettings } from '../protocol.js';
import { createFastPathPolicy } from './fast-path.js';
import { deliverResponse, setRequestSender } from './request-routing.js';
import { startRssWatchdog } from './rss-watchdog.js';

const MB = 1024 * 1024;
/** How often the watchdog samples resident memory, and how far below the cap it acts (see below). */
const RSS_CHECK_MS = 5;
const RSS_MARGIN = 16 * MB;
/** A version whose last call used less CPU than this runs its next call synchronously (fast-path.ts). */
const FAST_PATH_CPU_MS = 20;
const FAST_PATH_RETRY_AFTER = 50;
/**
 * Calls this process may sample with V8's CPU profiler (cpu-profile.ts): isolated-vm 5.0.4
 * never frees a profiler, ~1-2 MB each for a call in a fresh realm (which a call after a
 * timeout has), so the budget bounds what sampling can cost a process to ~32-64 MB.
 */
const CPU_SAMPLED_CALLS = 32;

/**
 * Guest code runs below the server's CPU priority. A memory bomb keeps V8's garbage-collector
 * threads busy on every core; at equal priority that delayed the server's event loop by 40-185
 * ms on a 2-core machine, at nice 10 no more than an idle server's own jitter (measured with
 * test/security/*-memory-bomb.test.ts). Linux keeps a nice value per thread and new threads
 * inherit their creator's, so lowering every thread that exists now covers the later ones.
 */
const SANDBOX_NICE = 10;
function lowerPriority(): void {
  let threads: number[] = [0];
  try {
    threads = fs.readdirSync('/proc/self/task').map(Number);
  } catch {
    /* not Linux: the main thread alone */
  }
  for (const tid of threads) {
    try {
      os.setPriority(tid, Math.max(os.getPriority(tid), SANDBOX_NICE));
    } catch {
      /* a thread that just ended, or a platform without priorities */
    }
  }
}
lowerPriority();
// Planted by the security suite (see serve-run.ts): guests must never see it.
if (process.env['CHAMELEON_CANARY']) (globalThis as { chameleonCanary?: string }).chameleonCanary = process.env['CHAMELEON_CANARY'];

function send(message: WorkerReply): void {
  if (process.connected) process.send?.(message);
}
setRequestSender(send);

function dieNow(code: number, why: string): never {
  // A synchronous line on stderr tells the supervisor why (an IPC message may never flush),
  // then SIGKILL: process.exit() can hang while an isolate thread is stuck (NOTES.md).
  try {
    fs.writeSync(2, `${FATAL_MARKER}${code} ${why}\n`);
  } catch {
    /* nothing left to tell */
  }
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

// The watchdog thread boots first, on the other core, while this one loads isolated-vm. Calls
// may start before it is up: until then the main thread samples, and no call runs synchronously.
const watchdog = startRssWatchdog({
  intervalMs: RSS_CHECK_MS,
  marginBytes: RSS_MARGIN,
  fatalPrefix: `${FATAL_MARKER}${EXIT_RSS_CAP} `,
  // Without its watchdog this process must not run guest code.
  onError: (error) => dieNow(EXIT_WATCHDOG, `the memory watchdog failed: ${error.message}`),
});
const fastPath = createFastPathPolicy({
  fastCpuMs: FAST_PATH_CPU_MS,
  retryAfter: FAST_PATH_RETRY_AFTER,
  syncAllowed: () => watchdog.threadOnline(),
});

/**
 * Listening from the first moment: the settings (the supervisor's first message) and the first
 * jobs may arrive while isolated-vm loads. Jobs wait until this process is ready for them.
 */
let configure: ((settings: WorkerSettings) => void) | null = null;
const configured = new Promise<WorkerSettings>((resolve) => (configure = resolve));
let handleJobs: ((jobs: RunJob[]) => void) | null = null;
const jobsBeforeReady: RunJob[][] = [];
process.on('message', (raw: WorkerRequest) => {
  if (raw?.type === 'configure') {
    configure?.(raw.settings);
    configure = null;
    return;
  }
  if (raw?.type === 'response') {
    deliverResponse(raw.id, raw.requestId, raw.ok, raw.body);
    return;
  }
  const jobs = raw?.type === 'run' ? [raw.job] : raw?.type === 'runs' && Array.isArray(raw.jobs) ? raw.jobs : null;
  if (jobs === null) return;
  if (handleJobs) handleJobs(jobs);
  else jobsBeforeReady.push(jobs);
});

// The supervisor went away: so do we, without leaving a thread spinning.
let disposeAll: (() => void) | null = null;
process.on('disconnect', () => {
  disposeAll?.();
  process.exit(0);
});

const { createIsolateCache } = await import('./isolate-cache.js');
const { runJob } = await import('./run-job.js');
const { createCpuSampler } = await import('./cpu-profile.js');
const run = { policy: fastPath, sampler: createCpuSampler({ budget: CPU_SAMPLED_CALLS }) };
const { rssFactor, maxIsolates, spareMemoryMb } = await configured;

// Prelude first (it captures intrinsics and defines the entry points), then lockdown.
const realmSource = (name: string, filename: string) => ({
  filename,
  source: fs.readFileSync(fileURLToPath(new URL(`../../sandbox/${name}`, import.meta.url)), 'utf8'),
});
const cache = createIsolateCache({
  realmSources: { prelude: realmSource('prelude.js', 'chameleon-prelude.js'), lockdown: realmSource('lockdown.js', 'chameleon-lockdown.js') },
  maxIsolates,
  maxVersionsPerIsolate: 4,
  spareMemoryMb,
  onCatastrophicError: (message) => dieNow(EXIT_CATASTROPHIC, `catastrophic V8 error: ${message}`),
});

const startRss = process.memoryUsage.rss();

/**
 * Memory a guest allocates outside its isolate heap (NOTES.md: one flat 256 MB string in a
 * 16 MB isolate) is caught by the RSS watchdog (rss-watchdog.ts). While calls run, the
 * process may use its baseline (its resident memory when the first of them started) plus
 * rssFactor x the memory limit of each running call; past that it dies at once. The check
 * runs every 5 ms, and only while calls run: at 20 ms a guest allocating ~5 GB/s could pass
 * the cap by 100 MB between two checks. Even at 5 ms a 256 MB string grew the process 1-2 MB
 * past the last check before it died on a quiet machine, and ~9 MB during a clean-clone CI run
 * (the watchdog thread runs at the sandbox's lower priority), so the process dies RSS_MARGIN
 * before the cap: the cap
 * itself is never passed (test/security/huge-flat-string-rss-cap.test.ts measures the peak
 * against it). Under sustained load the baseline is not retaken, so isolates made since it
 * was taken (and the spare being made) are allowed ISOLATE_RSS each (an idle warm isolate
 * holds ~1.1 MB, NOTES.md).
 */
const ISOLATE_RSS = 4 * MB;
let running = 0;
let runningAllowance = 0;
let baselineRss = startRss;
let isolatesAtBaseline = 0;

function updateCap(): void {
  if (running === 0) {
    watchdog.setCap(0);
    return;
  }
  const newIsolates = Math.max(0, cache.isolateCount() + 1 - isolatesAtBaseline);
  watchdog.setCap(baselineRss + runningAllowance + newIsolates * ISOLATE_RSS);
}

/**
 * Replaces the spare a new tool took, once the process has been idle for SPARE_IDLE_MS: making
 * one blocks this thread for a few ms (`new Isolate()`), and an agent that has just created a
 * tool calls it at once; that call should not wait behind the next tool's isolate.
 */
const SPARE_IDLE_MS = 50;
let refillTimer: NodeJS.Timeout | null = null;
function refillWhenIdle(): void {
  if (refillTimer) clearTimeout(refillTimer);
  refillTimer = setTimeout(() => {
    refillTimer = null;
    if (running === 0) cache.refillSpare();
  }, SPARE_IDLE_MS);
}

/**
 * Calls of one isolate, one at a time: jobs that arrive while one of the same isolate runs wait
 * here, in arrival order. An isolate runs one call at a time anyway; waiting here rather than in
 * isolated-vm's queue means a call's wall-clock deadline and memory allowance start when it
 * starts, not when it arrived, and a call that times out disposes its isolate without failing
 * the calls behind it: they run on a fresh one (issue 12, item 1).
 */
const waitingFor = new Map<string, RunJob[]>();

function handle(job: RunJob): void {
  const queue = waitingFor.get(job.isolateKey);
  if (queue) {
    queue.push(job);
    return;
  }
  waitingFor.set(job.isolateKey, []);
  begin(job);
}

/** How many synchronous calls may start one another before the next waits for the event loop (the stack's bound). */
const MAX_CHAINED_STARTS = 64;
let chainedStarts = 0;

/** The next call of the same isolate, once `job` is answered. */
function next(job: RunJob): void {
  const queue = waitingFor.get(job.isolateKey);
  const following = queue?.shift();
  if (!following) {
    waitingFor.delete(job.isolateKey);
    return;
  }
  if (chainedStarts >= MAX_CHAINED_STARTS) {
    setImmediate(() => begin(following));
    return;
  }
  chainedStarts++;
  try {
    begin(following);
  } finally {
    chainedStarts--;
  }
}

function begin(job: RunJob): void {
  if (refillTimer) {
    clearTimeout(refillTimer);
    refillTimer = null;
  }
  if (running++ === 0) {
    baselineRss = process.memoryUsage.rss();
    isolatesAtBaseline = cache.isolateCount();
  }
  const allowance = rssFactor * job.memoryMb * MB;
  runningAllowance += allowance;
  updateCap();
  const finish = (reply: RunReply): void => {
    running--;
    runningAllowance -= allowance;
    updateCap();
    answer(reply);
    next(job);
    if (running === 0) refillWhenIdle();
  };
  const outcome = runJob(cache, job, run);
  if (outcome instanceof Promise) void outcome.then(finish);
  else finish(outcome);
}

/**
 * Replies go at once when nothing else runs; while other calls run or a batch is being
 * handled, they are collected and sent together when the event loop turns (the supervisor
 * batches its jobs the same way under load: one message, one wake-up, for many calls).
 */
let inBatch = false;
let outbox: RunReply[] = [];
function answer(reply: RunReply): void {
  if (!inBatch && running === 0 && outbox.length === 0) {
    send(reply);
    return;
  }
  outbox.push(reply);
  if (outbox.length === 1) setImmediate(flushReplies);
}
function flushReplies(): void {
  const replies = outbox;
  outbox = [];
  if (replies.length === 1) send(replies[0]!);
  else if (replies.length > 1) send({ type: 'results', replies });
}

function handleAll(jobs: RunJob[]): void {
  if (jobs.length === 1) {
    handle(jobs[0]!);
    return;
  }
  inBatch = true;
  try {
    for (const job of jobs) handle(job);
  } finally {
    inBatch = false;
  }
}

disposeAll = () => cache.disposeAll();

// The first tool's realm is made now, while the server is still starting, not in its first call.
cache.refillSpare();
// Ready means calls can run: the supervisor starts their deadlines from here.
handleJobs = handleAll;
for (const jobs of jobsBeforeReady.splice(0)) handleAll(jobs);
send({ type: 'ready', pid: process.pid, rssBytes: startRss });
