import type ivm from 'isolated-vm';
import { summariseProfiles, type ProfileData } from '../cpu-samples.js';
import type { CpuSamples } from '../protocol.js';

/**
 * V8's sampling CPU profiler, per call, for calls on the async path, so that a call that times
 * out can say where its CPU was.
 *
 * How isolated-vm 5.0.4 profiles (src/isolate/executor.cc, measured here): `startCpuProfiler`
 * only records a title; a V8 profiler is made each time the isolate is *entered* while a title
 * is active, and its profile is kept when that entry ends. So:
 *
 * - A profiler cannot be started part-way through a call that is already running (a timer at
 *   50% of the limit started nothing: the running entry never sees it). It is on from the
 *   call's entry, or not at all.
 * - On isolated-vm's thread pool (`apply`) an entry with a profiler cost ~1-3 us more, and
 *   `stopCpuProfiler` ~20 us; a warm async call is ~25-45 us. An entry on the process's own
 *   thread (`applySync`, and every `*Sync` call, `getHeapStatisticsSync` included) with a
 *   title active took 50-200 ms and kept ~25 MB per entry until the stop. So only async-path
 *   calls are profiled, and no synchronous entry may happen while a title is active on the
 *   isolate: `profiling()` tells run-job.ts when it must not make one.
 * - Warm calls take the synchronous fast path (fast-path.ts) and are never profiled: a version
 *   reaches it only when its last call was quick. A fast-path call that times out has no
 *   samples, and sends its version back to the async path, where the next call is profiled.
 * - After a memory kill the isolate is already disposed, and its profiles with it.
 *
 * Titles are per call, so concurrent calls of one tool each stop their own; a profile holds
 * every entry of the isolate while its title was active, so samples of a concurrent call of
 * the same version can mix in (its entries are short next to a call that runs to its limit).
 *
 * An entry on the thread pool runs every task queued while it lasts, so a call's `apply` can
 * join an entry that began before its title (that call then has no samples), and the stop can
 * run inside the call's own entry, before that entry's profile is kept. Such a stop returns
 * nothing and, in 5.0.4, leaves the title active (CpuProfileManager::StopProfiling returns
 * before erasing it), which would profile every later entry. So an empty stop is repeated
 * once the entry has ended; an isolate whose title still cannot be stopped is disposed.
 */
export interface CallProfile {
  /**
   * Stops the profile; summarised for `filename` when `read` (a timeout), else null. Await it
   * before any synchronous use of the isolate.
   */
  stop(read: boolean): Promise<CpuSamples | null>;
}

const active = new WeakMap<ivm.Isolate, number>();

/** True while any call profiles this isolate: make no synchronous entry into it. */
export function profiling(isolate: ivm.Isolate): boolean {
  return (active.get(isolate) ?? 0) > 0;
}

let titles = 0;

/** Waits before each repeated stop: the entry that ran the call ends within microseconds. */
const STOP_RETRY_MS = [0, 1, 2, 5, 10, 20, 50];

/**
 * Starts profiling the isolate for one call; null if it cannot (a disposed isolate).
 * `dispose` ends the isolate if its title cannot be stopped.
 */
export function startCallProfile(isolate: ivm.Isolate, filename: string, dispose: () => void): CallProfile | null {
  const title = `chameleon-call-${++titles}`;
  try {
    isolate.startCpuProfiler(title);
  } catch {
    return null;
  }
  active.set(isolate, (active.get(isolate) ?? 0) + 1);
  let stopped = false;
  return {
    async stop(read) {
      if (stopped) return null;
      stopped = true;
      try {
        for (const wait of STOP_RETRY_MS) {
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          const profiles = (await isolate.stopCpuProfiler(title)) as unknown as ProfileData[];
          if (profiles.length > 0) return read ? (summariseProfiles(profiles, filename) ?? { total: 0, windowMs: 0, hot: [] }) : null;
        }
        dispose();
        return null;
      } catch {
        return null; // Disposed meanwhile (a memory kill, the wall-clock deadline): nothing to read.
      } finally {
        active.set(isolate, (active.get(isolate) ?? 1) - 1);
      }
    },
  };
}
