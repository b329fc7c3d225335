import ivm from 'isolated-vm';

/**
 * The host side of a realm's `setTimeout`/`clearTimeout` (the guest side is in
 * sandbox/prelude.ts). The prelude calls one hook, `__chameleon_timer(id, ms)`: schedule timer
 * `id` of the running call after `ms` (ms >= 0), or cancel it (ms < 0). It returns nothing
 * (isolated-vm's `ignored` callback: the guest never holds a host value) and can do nothing but
 * schedule a bounded number of wake-ups of the call that is running.
 *
 * Timers belong to a call: they fire only while it runs, and all are cancelled when it ends,
 * so no timer outlives its call or wakes inside the next one. Waiting costs no CPU and is
 * bounded by the call's wall-clock deadline (run-job.ts), like any promise it awaits.
 */
export interface GuestTimers {
  /** The hook the prelude takes (set on the global before the prelude runs, deleted by it). */
  readonly hook: ivm.Callback;
  /** A call starts: `fire(id)` runs a timer's callback in the realm (the prelude's `fire`). */
  begin(fire: (id: number) => Promise<unknown>): void;
  /**
   * Null if the call has asked for no timer (then nothing but its own microtasks can settle it,
   * and they ran before its entry returned). Else a promise that resolves with the envelope of
   * a failure a timer callback threw, or rejects with what stopped one (its CPU limit, a
   * rejection nobody handled in it); it never settles while the callbacks run to their end.
   */
  ended(): Promise<string> | null;
  /** The call ended: every timer it left pending is cancelled. */
  end(): void;
  /**
   * The running call waits on the host (a capability request, guest-requests.ts): from now on
   * `ended()` is not null, so a failure in what runs when the answer comes ends the call.
   */
  expectWake(): void;
  /**
   * Runs `step` (one entry into the realm for the running call, e.g. delivering a host's
   * answer) as a timer's callback runs: an envelope it returns, or what stops it, ends the call.
   */
  wake(step: () => Promise<unknown>): void;
}

/** Timers one call may have pending at once: each holds a host timer and a guest closure. */
export const MAX_PENDING_TIMERS = 1_000;

/** Node's own bound for a timer's delay (a longer one fires at once there); any such wait outlasts every deadline. */
const MAX_DELAY_MS = 2 ** 31 - 1;

interface RunningCall {
  fire: (id: number) => Promise<unknown>;
  /** Made on the first timer, like `ended`. */
  handles: Map<number, NodeJS.Timeout> | null;
  /** Made on the first timer: a call that uses none pays for nothing. */
  ended: { promise: Promise<string>; resolve: (envelope: string) => void; reject: (error: unknown) => void } | null;
}

export function createGuestTimers(): GuestTimers {
  let call: RunningCall | null = null;

  const settleWake = (running: RunningCall, woken: Promise<unknown>): void => {
    woken.then(
      (envelope) => {
        if (call === running && typeof envelope === 'string') running.ended?.resolve(envelope);
      },
      (error: unknown) => {
        if (call === running) running.ended?.reject(error);
      },
    );
  };

  const fireNow = (id: number): void => {
    const running = call;
    if (!running?.handles?.delete(id)) return;
    settleWake(running, running.fire(id));
  };

  const hook = new ivm.Callback(
    (id: unknown, ms: unknown) => {
      const running = call;
      if (running === null || typeof id !== 'number' || typeof ms !== 'number') return;
      running.handles ??= new Map();
      const existing = running.handles.get(id);
      if (existing !== undefined) {
        clearTimeout(existing);
        running.handles.delete(id);
      }
      // The prelude counts too; this bound holds whatever the guest does to it.
      if (ms < 0 || running.handles.size >= MAX_PENDING_TIMERS) return;
      running.ended ??= deferred();
      running.handles.set(id, setTimeout(fireNow, Math.min(ms, MAX_DELAY_MS), id));
    },
    { ignored: true },
  );

  return {
    hook,
    begin(fire) {
      call = { fire, handles: null, ended: null };
    },
    ended() {
      return call?.ended?.promise ?? null;
    },
    expectWake() {
      if (call !== null) call.ended ??= deferred();
    },
    wake(step) {
      const running = call;
      if (running === null) return;
      running.ended ??= deferred();
      settleWake(running, step());
    },
    end() {
      if (call === null) return;
      if (call.handles !== null) for (const handle of call.handles.values()) clearTimeout(handle);
      call = null;
    },
  };
}

function deferred(): NonNullable<RunningCall['ended']> {
  let resolve: (envelope: string) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // A call that ends otherwise never reads it.
  return { promise, resolve, reject };
}
