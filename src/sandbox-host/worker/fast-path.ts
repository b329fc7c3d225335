/**
 * When a warm call may enter its isolate synchronously.
 *
 * `applySync` costs ~5 us a call, isolated-vm's async `apply` ~45 us (a hop to its thread pool
 * and back through the event loop). But a synchronous call holds this sandbox process's main
 * thread, and calls of other tools on this process wait behind it. So the fast path is earned:
 * a tool version's first call runs on the async path, and the next call goes synchronous only
 * if the last one used less than `fastCpuMs` of CPU and ended without a limit fault. A call
 * that does not (it grew slow, or hit a limit) sends its version back to the async path for
 * the next `retryAfter` calls. A tool can therefore hold the thread past `fastCpuMs` at most
 * once per `retryAfter + 1` calls, and never past its own CPU limit; should that limit fail
 * (a heap that runs out hangs the thread), the supervisor's deadline kill ends the process as
 * it would for an async call. Waiting calls are delayed, not failed: the supervisor does not
 * bill a job for time spent behind an older one (supervisor.ts).
 */
export interface FastPathPolicy {
  /** May this call of `scriptKey` run synchronously? */
  allows(scriptKey: string): boolean;
  /** How a call of `scriptKey` went: its CPU time, and whether it hit a limit. */
  record(scriptKey: string, cpuMs: number | null, hitLimit: boolean): void;
}

const MAX_REMEMBERED = 10_000;

export function createFastPathPolicy(options: {
  fastCpuMs: number;
  retryAfter: number;
  /** False while no call may run synchronously at all (the RSS watchdog's thread is not up yet). */
  syncAllowed: () => boolean;
}): FastPathPolicy {
  /** Per version: 0 = its last call was fast (go synchronous); n > 0 = async for n more calls. */
  const asyncCallsLeft = new Map<string, number>();
  const remember = (scriptKey: string, left: number): void => {
    asyncCallsLeft.delete(scriptKey); // Re-insert: Map order is the eviction order.
    asyncCallsLeft.set(scriptKey, left);
    if (asyncCallsLeft.size > MAX_REMEMBERED) asyncCallsLeft.delete(asyncCallsLeft.keys().next().value as string);
  };
  return {
    allows(scriptKey) {
      return asyncCallsLeft.get(scriptKey) === 0 && options.syncAllowed();
    },
    record(scriptKey, cpuMs, hitLimit) {
      const fast = !hitLimit && cpuMs !== null && cpuMs < options.fastCpuMs;
      const left = asyncCallsLeft.get(scriptKey);
      if (!fast) remember(scriptKey, options.retryAfter);
      else if (left === undefined || left <= 1) remember(scriptKey, 0);
      else remember(scriptKey, left - 1);
    },
  };
}
