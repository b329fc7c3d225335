/*
 * performance.now() and performance.timeOrigin, in whole milliseconds.
 *
 * The clock is Date's, which V8 gives this realm at 1 ms resolution, and it stays that coarse:
 * tools of different personas share a sandbox process (and its CPU caches), and a finer clock
 * is what cache-timing and Spectre-class attacks between them need (browsers coarsen
 * performance.now() to 100 us, or 5 us only in cross-origin-isolated pages, for that reason).
 * A tool gains no clock it did not have; it gains the API that libraries call.
 *
 * The origin is when the realm was built (one per tool isolate), a constant: no call can move
 * it for the next. Not monotonic if the system clock is stepped back, as Date is not.
 */
const dateNow = Date.now;
const ORIGIN = dateNow();

export function performanceNow(): number {
  return dateNow() - ORIGIN;
}

export function createPerformance() {
  const performance = {
    now: (): number => performanceNow(),
    get timeOrigin(): number {
      return ORIGIN;
    },
    toJSON: (): { timeOrigin: number } => ({ timeOrigin: ORIGIN }),
  };
  return Object.defineProperty(performance, Symbol.toStringTag, { value: 'Performance', configurable: true });
}
