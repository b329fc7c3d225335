/**
 * Entry point of a sandbox process. The server never runs isolates itself: guest code can
 * abort a V8 process or wedge a thread (../shared/NOTES.md), so isolates live here, where the
 * supervisor can kill and replace us. Started by the supervisor with --no-node-snapshot and
 * --no-harmony-rab-gsab; talks over the IPC channel only and never writes to stdout.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT_CATASTROPHIC, EXIT_RSS_CAP, FATAL_MARKER, type WorkerReply, type WorkerRequest } from '../protocol.js';
import { createIsolateCache } from './isolate-cache.js';
import { runJob } from './run-job.js';

const MB = 1024 * 1024;
// Planted by the security suite (see serve-run.ts): guests must never see it.
if (process.env['CHAMELEON_CANARY']) (globalThis as { chameleonCanary?: string }).chameleonCanary = process.env['CHAMELEON_CANARY'];
const rssFactor = Number(process.env['CHAMELEON_RSS_FACTOR'] ?? '4');
const rssCheckMs = 20;

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

const baselineRss = process.memoryUsage.rss();

// Memory a guest allocates outside its isolate heap (NOTES.md) is caught here: while calls
// run, the process may use its baseline plus rssFactor x the memory limit of each busy isolate.
setInterval(() => {
  const busy = cache.entries().filter((e) => e.inFlight > 0);
  if (busy.length === 0) return;
  const cap = baselineRss + busy.reduce((sum, e) => sum + rssFactor * e.memoryMb * MB, 0) + cache.entries().length * 2 * MB;
  const rss = process.memoryUsage.rss();
  if (rss > cap) dieNow(EXIT_RSS_CAP, `resident memory ${Math.round(rss / MB)} MB passed the cap of ${Math.round(cap / MB)} MB`);
}, rssCheckMs).unref();

process.on('message', (raw: WorkerRequest) => {
  if (raw?.type !== 'run') return;
  void runJob(cache, raw.job).then(send);
});

// The supervisor went away: so do we, without leaving a thread spinning.
process.on('disconnect', () => {
  cache.disposeAll();
  process.exit(0);
});

send({ type: 'ready', pid: process.pid, rssBytes: baselineRss });
