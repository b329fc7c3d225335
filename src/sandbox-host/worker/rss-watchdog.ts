import { Worker } from 'node:worker_threads';

/**
 * Kills the sandbox process before its resident memory passes a cap. It samples on a thread
 * of its own, because the main thread may be inside a synchronous guest call (fast-path.ts)
 * when a guest allocates memory its isolate's limit does not see (NOTES.md).
 */
export interface RssWatchdog {
  /** Resolves once the thread samples; calls must not start before. */
  readonly ready: Promise<void>;
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
  const ready = new Promise<void>((resolve) => thread.once('online', () => resolve()));
  return {
    ready,
    setCap(bytes) {
      Atomics.store(shared, 0, BigInt(Math.max(0, Math.floor(bytes))));
    },
  };
}
