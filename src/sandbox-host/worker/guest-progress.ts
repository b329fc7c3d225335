import ivm from 'isolated-vm';
import { MAX_PROGRESS_MESSAGE_CHARS, type ProgressReport } from '../protocol.js';

/**
 * The sandbox process's side of `ctx.progress`. The prelude (sandbox/capabilities/progress.ts)
 * checks, counts and rate-limits the reports in the realm, and crosses at most once per 100 ms
 * of a call, plus once at its end with its count, through one hook,
 * `__chameleon_progress(done, total, message, calls, final)`.
 *
 * The hook is synchronous: it runs while the call is still running, even a call entered
 * synchronously (an `ignored` Callback would run only after such a call had ended, too late
 * for its last report and its count). In a call on isolated-vm's thread pool it costs a hop to
 * this thread, which the prelude's rate limit makes rare. It returns nothing and never throws.
 *
 * What crosses is untrusted all the same: a report goes on to the server only when the call's
 * request asked for progress (it carried a progressToken), when `done` is above the last one
 * sent, and at most MAX_PROGRESS_REPORTS per call.
 */
export interface GuestProgress {
  /** The hook the prelude takes (set on the global before the prelude runs, deleted by it). */
  readonly hook: ivm.Callback;
  /** A call starts in this realm; `forward`: its request carried a progress token. */
  begin(jobId: number, forward: boolean): void;
  /**
   * The call ended. Returns how many times it called ctx.progress: the prelude's own count, or
   * (a call stopped at a limit never reports it) the reports that crossed.
   */
  end(): number;
}

export const MAX_PROGRESS_REPORTS = 1_000;
/** A count past this is not believed (the prelude counts in a double; the log stores an integer). */
const MAX_COUNT = 2 ** 40;

export function createGuestProgress(send: (report: ProgressReport) => void): GuestProgress {
  // The running call, as primitives: begin() runs on every call, warm ones included.
  let running = false;
  let jobId = 0;
  let forward = false;
  let crossed = 0;
  let counted = 0;
  let sent = 0;
  let highest = -Infinity;

  const hook = new ivm.Callback((done: unknown, total: unknown, message: unknown, calls: unknown, final: unknown) => {
    if (!running) return;
    crossed++;
    if (final === true && typeof calls === 'number' && Number.isSafeInteger(calls) && calls > 0 && calls <= MAX_COUNT) counted = calls;
    if (!forward || sent >= MAX_PROGRESS_REPORTS) return;
    if (typeof done !== 'number' || !Number.isFinite(done) || done <= highest) return;
    if (total !== undefined && (typeof total !== 'number' || !Number.isFinite(total))) return;
    if (message !== undefined && (typeof message !== 'string' || message.length > MAX_PROGRESS_MESSAGE_CHARS)) return;
    highest = done;
    sent++;
    send({ type: 'progress', id: jobId, progress: done, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) });
  });

  return {
    hook,
    begin(job, forwards) {
      running = true;
      jobId = job;
      forward = forwards;
      crossed = 0;
      counted = 0;
      sent = 0;
      highest = -Infinity;
    },
    end() {
      running = false;
      return counted > 0 ? counted : crossed;
    },
  };
}
