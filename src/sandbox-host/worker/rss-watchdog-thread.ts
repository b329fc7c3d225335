/**
 * The resident-memory watchdog's own thread (see rss-watchdog.ts). It runs beside the sandbox
 * process's main thread, which may be inside a synchronous guest call for a whole time slice;
 * this thread keeps sampling regardless. The main thread writes the cap into shared memory.
 */
import { workerData } from 'node:worker_threads';
import { dieWithLine, overRssCap } from './rss-cap.js';

interface WatchdogData {
  /** [0]: the resident-memory cap in bytes (0 = no call running, nothing to check). */
  cap: SharedArrayBuffer;
  intervalMs: number;
  marginBytes: number;
  fatalPrefix: string;
}

const { cap, intervalMs, marginBytes, fatalPrefix } = workerData as WatchdogData;
const shared = new BigInt64Array(cap);

setInterval(() => {
  const why = overRssCap(process.memoryUsage.rss(), Number(Atomics.load(shared, 0)), marginBytes);
  if (why !== null) dieWithLine(`${fatalPrefix}${why}\n`);
}, intervalMs);
