import { Worker } from 'node:worker_threads';
import { dieWithLine, overRssCap } from './rss-cap.js';

/**
 * Kills the sandbox process before its resident memory passes a cap. It samples on a thread
 * of its own, because the main thread may be inside a synchronous guest call (fast-path.ts)
 * when a guest allocates memory its isolate's limit does not see (NOTES.md).
 *
 * That thread is a Node worker, and in a sandbox process (node without its startup snapshot,
 * which isolated-vm needs) it took ~80-180 ms to boot here, longer than isolated-vm takes to
 * load: waiting for it made a server's first result later. So until it is up, the main thread
 * samples instead, on a timer while calls run. That covers calls on isolated-vm's threads, where
 * guest code runs while the main thread is free; a synchronous guest call would hold the timer
 * off, so none may start before `threadOnline()` (main.ts gates the fast path on it).
 */
export interface RssWatchdog {
  /** True once the watchdog thread samples; synchronous guest calls must not start before. */
  threadOnline(): boolean;
  /** The cap in bytes while calls run; 0 when none runs. */
  setCap(bytes: number): void;
}

export function startRssWatchdog(options: {
  intervalMs: number;
  marginBytes: number;
  fatalPrefix: string;
  onError: (error: Error) => void;
}): RssWatchdog {
  const cap = new SharedArrayBuffer(8);
  const shared = new BigInt64Array(cap);
  const thread = new Worker(new URL('./rss-watchdog-thread.js', import.meta.url), {
    workerData: { cap, intervalMs: options.intervalMs, marginBytes: options.marginBytes, fatalPrefix: options.fatalPrefix },
    // It reads the process's memory and nothing else; its own heap stays small.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    stdout: false,
    stderr: false,
  });
  thread.unref();
  thread.on('error', options.onError);
  thread.on('exit', (code) => options.onError(new Error(`the watchdog thread exited (code ${code})`)));

  let online = false;
  let capBytes = 0;
  let bridge: NodeJS.Timeout | null = null;
  const stopBridge = (): void => {
    if (bridge) clearInterval(bridge);
    bridge = null;
  };
  const sample = (): void => {
    const why = overRssCap(process.memoryUsage.rss(), capBytes, options.marginBytes);
    if (why !== null) dieWithLine(`${options.fatalPrefix}${why} (sampled on the main thread: the watchdog thread was not up yet)\n`);
  };
  thread.once('online', () => {
    online = true;
    stopBridge();
  });
  return {
    threadOnline: () => online,
    setCap(bytes) {
      capBytes = Math.max(0, Math.floor(bytes));
      Atomics.store(shared, 0, BigInt(capBytes));
      if (online) return;
      if (capBytes > 0 && bridge === null) {
        sample();
        bridge = setInterval(sample, options.intervalMs);
        bridge.unref();
      } else if (capBytes === 0) {
        stopBridge();
      }
    },
  };
}
