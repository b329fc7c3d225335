import ivm from 'isolated-vm';
import { MAX_PROGRESS_MESSAGE_CHARS, type ProgressReport } from '../protocol.js';

/**
 * The sandbox process's side of `ctx.progress` (sandbox/capabilities/progress.ts). The prelude
 * calls one hook, `__chameleon_progress(done, total, message)`, an isolated-vm Callback with
 * `ignored: true`: one-way, nothing returns into the realm, so a call that reports progress
 * pays for no round trip (measured: the same as the kv request hook's crossing, a few
 * microseconds, against ~0.2 ms for a request answered by the server).
 *
 * Here, nearest to the guest, the flood is cut before it costs the server anything: every call
 * of ctx.progress is counted (the count goes into the call's log row), but a report crosses to
 * the server only when the request asked for progress (it carried a progressToken), only when
 * `done` is above the last one sent (MCP wants `progress` to increase), at most one per
 * PROGRESS_INTERVAL_MS (the latest report in between waits and goes when the interval ends,
 * or when the call ends, before its reply), and at most MAX_PROGRESS_REPORTS per call.
 */
export interface GuestProgress {
  /** The hook the prelude takes (set on the global before the prelude runs, deleted by it). */
  readonly hook: ivm.Callback;
  /** A call starts in this realm; `forward`: its request carried a progress token. */
  begin(jobId: number, forward: boolean): void;
  /** The call ended: the waiting report goes now. Returns how many times the call called ctx.progress. */
  end(): number;
}

export const PROGRESS_INTERVAL_MS = 100;
export const MAX_PROGRESS_REPORTS = 1_000;

interface Report {
  progress: number;
  total: number | undefined;
  message: string | undefined;
}

/** Made on a call's first ctx.progress: a call that reports none allocates nothing. */
interface CallProgress {
  jobId: number;
  forward: boolean;
  calls: number;
  sent: number;
  /** The highest `done` accepted (sent, or waiting): a report must be above it. */
  highest: number;
  sentAt: number;
  waiting: Report | null;
  timer: NodeJS.Timeout | null;
}

export function createGuestProgress(send: (report: ProgressReport) => void, now: () => number = () => performance.now()): GuestProgress {
  // The running call, as primitives: begin() runs on every call, warm ones included.
  let running = false;
  let jobId = 0;
  let forward = false;
  let state: CallProgress | null = null;

  const emit = (call: CallProgress, report: Report): void => {
    if (call.sent >= MAX_PROGRESS_REPORTS) return;
    call.sent++;
    call.sentAt = now();
    send({ type: 'progress', id: call.jobId, progress: report.progress, ...(report.total === undefined ? {} : { total: report.total }), ...(report.message === undefined ? {} : { message: report.message }) });
  };

  const flush = (call: CallProgress): void => {
    call.timer = null;
    const report = call.waiting;
    call.waiting = null;
    if (report !== null && state === call) emit(call, report);
  };

  const hook = new ivm.Callback(
    (done: unknown, total: unknown, message: unknown) => {
      if (!running) return;
      const call = (state ??= { jobId, forward, calls: 0, sent: 0, highest: -Infinity, sentAt: -Infinity, waiting: null, timer: null });
      call.calls++;
      if (!call.forward || call.sent >= MAX_PROGRESS_REPORTS) return;
      if (typeof done !== 'number' || !Number.isFinite(done) || done <= call.highest) return;
      if (total !== undefined && (typeof total !== 'number' || !Number.isFinite(total))) return;
      if (message !== undefined && (typeof message !== 'string' || message.length > MAX_PROGRESS_MESSAGE_CHARS)) return;
      call.highest = done;
      const report = { progress: done, total, message };
      const since = now() - call.sentAt;
      if (call.timer === null && since >= PROGRESS_INTERVAL_MS) {
        emit(call, report);
        return;
      }
      call.waiting = report;
      call.timer ??= setTimeout(() => flush(call), PROGRESS_INTERVAL_MS - since);
    },
    { ignored: true },
  );

  return {
    hook,
    begin(job, forwards) {
      running = true;
      jobId = job;
      forward = forwards;
      state = null;
    },
    end() {
      running = false;
      const call = state;
      if (call === null) return 0;
      if (call.timer !== null) clearTimeout(call.timer);
      // Before the reply: the client sees the last report before the result, as MCP requires.
      flush(call);
      state = null;
      return call.calls;
    },
  };
}
