/**
 * The resident-memory watchdog's own thread (see rss-watchdog.ts). It runs beside the sandbox
 * process's main thread, which may be inside a synchronous guest call for a whole time slice;
 * this thread keeps sampling regardless. The main thread writes the cap into shared memory.
 */
import fs from 'node:fs';
import { workerData } from 'node:worker_threads';

interface WatchdogData {
  /** [0]: the resident-memory cap in bytes (0 = no call running, nothing to check). */
  cap: SharedArrayBuffer;
  intervalMs: number;
  marginBytes: number;
  fatalPrefix: string;
}

const MB = 1024 * 1024;
const { cap, intervalMs, marginBytes, fatalPrefix } = workerData as WatchdogData;
const shared = new BigInt64Array(cap);

function die(line: string): void {
  // A synchronous line on stderr tells the supervisor why, then SIGKILL: process.exit() can
  // hang while an isolate thread is stuck (NOTES.md).
  try {
    fs.writeSync(2, line);
  } catch {
    /* nothing left to tell */
  }
  process.kill(process.pid, 'SIGKILL');
}

setInterval(() => {
  const limit = Number(Atomics.load(shared, 0));
  if (limit <= 0) return;
  const rss = process.memoryUsage.rss();
  if (rss <= limit - marginBytes) return;
  die(`${fatalPrefix}resident memory ${Math.round(rss / MB)} MB came within ${marginBytes / MB} MB of the cap of ${Math.round(limit / MB)} MB\n`);
}, intervalMs);
