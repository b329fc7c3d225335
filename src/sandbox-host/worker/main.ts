/**
 * Entry point of a sandbox process. The server never runs isolates itself: guest code can
 * abort a V8 process or wedge a thread (../shared/NOTES.md), so isolates live here, where the
 * supervisor can kill and replace us. Started by the supervisor with --no-node-snapshot and
 * --no-harmony-rab-gsab; talks over the IPC channel only and never writes to stdout.
 */
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { EXIT_CATASTROPHIC, EXIT_RSS_CAP, FATAL_MARKER, type WorkerReply, type WorkerRequest } from '../protocol.js';
import { createIsolateCache } from './isolate-cache.js';
import { runJob } from './run-job.js';

const MB = 1024 * 1024;

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
const rssFactor = Number(process.env['CHAMELEON_RSS_FACTOR'] ?? '4');

function send(message: WorkerReply): void {
  if (process.connected) process.send?.(message);
}

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

// Prelude first (it captures intrinsics and defines the entry points), then lockdown.
const realmSources = ['prelude.js', 'lockdown.js'].map((name) => ({
  filename: name === 'prelude.js' ? 'chameleon-prelude.js' : 'chameleon-lockdown.js',
  source: fs.readFileSync(fileURLToPath(new URL(`../../sandbox/${name}`, import.meta.url)), 'utf8'),
}));
const cache = createIsolateCache({
  realmSources,
  maxIsolates: Number(process.env['CHAMELEON_MAX_ISOLATES'] ?? '64'),
  maxVersionsPerIsolate: 4,
  onCatastrophicError: (message) => dieNow(EXIT_CATASTROPHIC, `catastrophic V8 error: ${message}`),
});

const startRss = process.memoryUsage.rss();

/**
 * Memory a guest allocates outside its isolate heap (NOTES.md: one flat 256 MB string in a
 * 16 MB isolate) is caught here. While calls run, the process may use its baseline (its
 * resident memory when the first of them started) plus rssFactor x the memory limit of each
 * busy isolate; past that it dies at once. The check runs every 5 ms, and only while calls
 * run: at 20 ms a guest allocating ~5 GB/s could pass the cap by 100 MB between two checks.
 * Even at 5 ms a 256 MB string grew the process 1-2 MB past the last check before it died, so
 * the process dies RSS_MARGIN before the cap: the cap itself is never passed
 * (test/security/huge-flat-string-rss-cap.test.ts measures the peak against it). Under
 * sustained load the baseline is not retaken, so isolates made since it was taken are allowed
 * ISOLATE_RSS each (an idle warm isolate holds ~1.1 MB, NOTES.md).
 */
const RSS_CHECK_MS = 5;
const RSS_MARGIN = 8 * MB;
const ISOLATE_RSS = 4 * MB;
let running = 0;
let baselineRss = startRss;
let isolatesAtBaseline = 0;
let watchdog: NodeJS.Timeout | null = null;

function checkRss(): void {
  const allowance = cache.entries().reduce((sum, e) => sum + (e.inFlight > 0 ? rssFactor * e.memoryMb * MB : 0), 0);
  // No live isolate is busy (a call's isolate was disposed at its deadline and the call is
  // returning): nothing to allow, and nothing left to stop.
  if (allowance === 0) return;
  const cap = baselineRss + allowance + Math.max(0, cache.entries().length - isolatesAtBaseline) * ISOLATE_RSS;
  const rss = process.memoryUsage.rss();
  if (rss > cap - RSS_MARGIN) {
    dieNow(EXIT_RSS_CAP, `resident memory ${Math.round(rss / MB)} MB came within ${RSS_MARGIN / MB} MB of the cap of ${Math.round(cap / MB)} MB (baseline ${Math.round(baselineRss / MB)} MB)`);
  }
}

process.on('message', (raw: WorkerRequest) => {
  if (raw?.type !== 'run') return;
  if (running++ === 0) {
    baselineRss = process.memoryUsage.rss();
    isolatesAtBaseline = cache.entries().length;
    watchdog = setInterval(checkRss, RSS_CHECK_MS);
  }
  void runJob(cache, raw.job).then((reply) => {
    if (--running === 0 && watchdog) {
      clearInterval(watchdog);
      watchdog = null;
    }
    send(reply);
  });
});

// The supervisor went away: so do we, without leaving a thread spinning.
process.on('disconnect', () => {
  cache.disposeAll();
  process.exit(0);
});

send({ type: 'ready', pid: process.pid, rssBytes: startRss });
