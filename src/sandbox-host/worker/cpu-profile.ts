import type ivm from 'isolated-vm';
import { summariseProfiles, type ProfileData } from '../cpu-samples.js';
import type { CpuSamples, NotSampled } from '../protocol.js';

/**
 * V8's sampling CPU profiler, for the calls most likely to time out, so that a call stopped at
 * its CPU limit can say where its CPU was.
 *
 * What isolated-vm 5.0.4 offers, measured here (src/isolate/executor.cc):
 * - `startCpuProfiler` only records a title; a V8 profiler is made each time the isolate is
 *   *entered* while a title is active, and its profile is kept when that entry ends. So a
 *   profiler cannot start part-way through a call already running (a timer at 50% of the limit
 *   started nothing): it is on from the call's entry, or not at all.
 * - Each of those V8 profilers is never disposed: a profiled entry leaks ~1 MB in a fresh
 *   hardened realm, more in a realm that has run many calls (100 profiled calls in one realm
 *   grew the process by ~570 MB), and disposing the isolate gives none of it back.
 * - On isolated-vm's thread pool (`apply`) a profiled entry cost ~1-3 us more and the stop
 *   ~20 us; an entry on the process's own thread (`applySync` and every `*Sync` call) with a
 *   title active took 50-200 ms and kept ~25 MB until the stop.
 *
 * Hence: a call is sampled only when the previous call of its version hit the CPU limit (that
 * version is on the async path then, fast-path.ts), at most `budget` calls per sandbox process;
 * no synchronous entry is made into an isolate while a title is active (`profiling()`); a
 * call that times out unsampled says so, and that calling again will say where. The first
 * timeout of a version therefore has no samples; a warm call never pays anything.
 *
 * An entry on the thread pool runs every task queued while it lasts, so the stop can run
 * inside the call's own entry, before that entry's profile is kept. Such a stop returns
 * nothing and, in 5.0.4, leaves the title active (CpuProfileManager::StopProfiling returns
 * before erasing it), which would profile every later entry. So an empty stop is repeated
 * once the entry has ended; an isolate whose title still cannot be stopped is disposed.
 */
export interface CallProfile {
  /**
   * Stops the profile; summarised for the call's script when `read` (a timeout), else null.
   * Await it before any synchronous use of the isolate.
   */
  stop(read: boolean): Promise<CpuSamples | null>;
}

export interface CpuSampler {
  /** Profiles this call if its version's last call hit the CPU limit; else why not. */
  start(isolate: ivm.Isolate, call: { scriptKey: string; filename: string; timeoutMs: number }, dispose: () => void): CallProfile | NotSampled;
  /** A call of `scriptKey` ended: `spun` if it was stopped while burning CPU (a CPU timeout). */
  record(scriptKey: string, spun: boolean): void;
  /** True while a call profiles this isolate: make no synchronous entry into it. */
  profiling(isolate: ivm.Isolate): boolean;
}

/**
 * Calls with a shorter CPU limit are not sampled: the profiler's start (3-19 ms of the call's
 * own CPU in a fresh realm) would take a large share of it, skew its samples, and delay a
 * reply that the supervisor expects within its kill grace.
 */
export const MIN_SAMPLED_TIMEOUT_MS = 200;

/** Waits before each repeated stop: the entry that ran the call ends within microseconds. */
const STOP_RETRY_MS = [0, 1, 2, 5, 10, 20, 50];
const MAX_REMEMBERED = 1_000;

export function createCpuSampler(options: { budget: number }): CpuSampler {
  const active = new WeakMap<ivm.Isolate, number>();
  /** Versions whose last call hit the CPU limit (Set order is the eviction order). */
  const suspects = new Set<string>();
  let left = options.budget;
  let titles = 0;

  const adjust = (isolate: ivm.Isolate, by: number): void => {
    active.set(isolate, (active.get(isolate) ?? 0) + by);
  };

  return {
    profiling: (isolate) => (active.get(isolate) ?? 0) > 0,
    record(scriptKey, spun) {
      suspects.delete(scriptKey);
      if (!spun) return;
      suspects.add(scriptKey);
      if (suspects.size > MAX_REMEMBERED) suspects.delete(suspects.values().next().value as string);
    },
    start(isolate, { scriptKey, filename, timeoutMs }, dispose) {
      if (!suspects.has(scriptKey)) return { notSampled: 'first_timeout' };
      if (timeoutMs < MIN_SAMPLED_TIMEOUT_MS) return { notSampled: 'short_limit' };
      if (left <= 0) return { notSampled: 'budget_spent' };
      const title = `chameleon-call-${++titles}`;
      try {
        isolate.startCpuProfiler(title);
      } catch {
        return { notSampled: 'first_timeout' }; // A disposed isolate: the call fails before it runs.
      }
      left -= 1;
      adjust(isolate, 1);
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
            adjust(isolate, -1);
          }
        },
      };
    },
  };
}
