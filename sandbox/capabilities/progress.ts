/*
 * `ctx.progress(done, total?, message?)`: tells the client how far a long call has got.
 *
 * Everything that must be cheap happens here, in the realm, under the call's CPU limit: the
 * arguments are checked (a mistake is thrown at the agent's own line), every call is counted,
 * a report that does not increase is dropped (MCP wants `progress` to increase), and at most
 * one report per PROGRESS_INTERVAL_MS crosses to the sandbox process; the latest report in
 * between waits and crosses when the interval ends (a timer of the call's own), or when the
 * call ends. So a tool that reports every item of 100,000 crosses ten times a second, not
 * 100,000 times.
 *
 * The hook is a synchronous isolated-vm Callback (numbers and a string in, nothing back): an
 * `ignored` one runs later on the sandbox process's thread, after a synchronous call has
 * already ended, which lost the end-of-call report and the count. The last crossing of a call
 * (`final`) carries its count; it is made only by a call that called ctx.progress at all.
 *
 * The sandbox process (src/sandbox-host/worker/guest-progress.ts) and the server
 * (src/service/progress-relay.ts) check and bound what crosses again; only a request that
 * carried a progress token sends anything to a client.
 */
import { DateCtor, freeze, isFinite, StringCtor } from '../prelude/intrinsics.js';

const TypeErrorCtor = TypeError;
const now = DateCtor.now;

/** The longest message a notification carries (the sandbox process and the server check it again). */
export const MAX_PROGRESS_MESSAGE_CHARS = 200;
/** At most one report crosses per interval. */
export const PROGRESS_INTERVAL_MS = 100;

/** `final`: the call ends; `calls` is its count of ctx.progress calls; done is NaN when no report waits. */
export type ProgressHook = (done: number, total: number | undefined, message: string | undefined, calls: number, final: boolean) => void;

export type Progress = (done: number, total?: number, message?: string) => void;

export interface ProgressChannel {
  /** ctx.progress: one frozen function for every call of the realm. */
  readonly progress: Progress;
  /** A call starts: nothing counted, nothing waiting. */
  begin(): void;
  /** The call ends: the waiting report, if any, and the count cross (only if ctx.progress was called). */
  end(): void;
}

/** `the number NaN`, `a string`, `an object`, `undefined`: what the tool passed, in its words. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return StringCtor(value);
  if (typeof value === 'number') return `the number ${StringCtor(value)}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function check(done: unknown, total: unknown, message: unknown): void {
  if (typeof done !== 'number' || !isFinite(done)) {
    throw new TypeErrorCtor(`ctx.progress(done, total?, message?): done must be a finite number (e.g. items processed so far), not ${describe(done)}.`);
  }
  if (total !== undefined && (typeof total !== 'number' || !isFinite(total))) {
    throw new TypeErrorCtor(`ctx.progress(done, total?, message?): total must be a finite number or left out, not ${describe(total)}.`);
  }
  if (message !== undefined && typeof message !== 'string') {
    throw new TypeErrorCtor(`ctx.progress(done, total?, message?): message must be a string or left out, not ${describe(message)}.`);
  }
  if (message !== undefined && message.length > MAX_PROGRESS_MESSAGE_CHARS) {
    throw new TypeErrorCtor(`ctx.progress(done, total?, message?): message is ${message.length} characters; at most ${MAX_PROGRESS_MESSAGE_CHARS} are sent. Say it shorter.`);
  }
}

/**
 * `schedule(callback, ms)` runs `callback` later within the running call (the prelude's own
 * setTimeout); it may throw (the call has as many timers pending as it may), and then the
 * waiting report crosses at the next report or at the end.
 */
export function createProgressChannel(hook: ProgressHook | undefined, schedule: (callback: () => void, ms: number) => void): ProgressChannel {
  // The running call's state; calls of one realm never interleave (prelude.ts says why).
  let calls = 0;
  let highest = -Infinity;
  let sentAt = -Infinity;
  let waiting = false;
  let waitingDone = 0;
  let waitingTotal: number | undefined;
  let waitingMessage: string | undefined;
  let timerArmed = false;
  /** Bumped per call: a timer of an earlier call finds itself stale. */
  let generation = 0;

  const send = (done: number, total: number | undefined, message: string | undefined): void => {
    sentAt = now();
    hook!(done, total, message, calls, false);
  };

  const flushLater = (delay: number): void => {
    const mine = generation;
    try {
      schedule(() => {
        if (mine !== generation) return;
        timerArmed = false;
        if (!waiting) return;
        waiting = false;
        send(waitingDone, waitingTotal, waitingMessage);
      }, delay);
      timerArmed = true;
    } catch {
      /* No timer left for it: it crosses with the next report, or at the end. */
    }
  };

  const progress = freeze((done: unknown, total?: unknown, message?: unknown): void => {
    check(done, total, message);
    calls++;
    if (hook === undefined || !((done as number) > highest)) return;
    highest = done as number;
    const since = now() - sentAt;
    if (!timerArmed && since >= PROGRESS_INTERVAL_MS) {
      waiting = false;
      send(done as number, total as number | undefined, message as string | undefined);
      return;
    }
    waiting = true;
    waitingDone = done as number;
    waitingTotal = total as number | undefined;
    waitingMessage = message as string | undefined;
    if (!timerArmed) flushLater(PROGRESS_INTERVAL_MS - since);
  }) as Progress;

  return {
    progress,
    begin() {
      generation++;
      calls = 0;
      highest = -Infinity;
      sentAt = -Infinity;
      waiting = false;
      timerArmed = false;
    },
    end() {
      if (calls === 0 || hook === undefined) return;
      const count = calls;
      calls = 0;
      generation++;
      if (waiting) {
        waiting = false;
        hook(waitingDone, waitingTotal, waitingMessage, count, true);
      } else {
        hook(NaN, undefined, undefined, count, true);
      }
    },
  };
}
