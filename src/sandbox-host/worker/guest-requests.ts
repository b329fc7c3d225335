import ivm from 'isolated-vm';
import type { GuestTimers } from './guest-timers.js';
import { sendRequest, waiting } from './request-routing.js';

/**
 * The sandbox process's side of a tool's capabilities (fetch, kv): it holds none of them. The
 * prelude calls one hook, `__chameleon_host_request(requestId, op, body)`, which forwards the
 * request over IPC to the server process and returns nothing (isolated-vm's `ignored`
 * callback: the guest never holds a host value). The server's answer comes back as a
 * `response` message and is delivered into the realm as a wake-up of the call that asked
 * (guest-timers.ts `wake`): under the call's CPU limit, and ending the call if what runs then
 * fails. Requests belong to a call: an answer that arrives after its call ended is dropped.
 */
export interface GuestRequests {
  /** The hook the prelude takes (set on the global before the prelude runs, deleted by it). */
  readonly hook: ivm.Callback;
  /** A call starts in this realm: its requests go out under `jobId`; `deliver` enters the realm with an answer. */
  begin(jobId: number, deliver: (requestId: number, ok: boolean, body: string) => Promise<unknown>): void;
  /** The call ended: answers still to come for it are dropped. */
  end(): void;
}

/** Requests one call may have in flight; the prelude counts too, and the server bounds what each may do. */
export const MAX_REQUESTS_IN_FLIGHT = 64;
/** The largest request that crosses (a fetch body, as latin1); the server's own limits are lower. */
export const MAX_REQUEST_CHARS = 16 * 1024 * 1024;
const MAX_OP_CHARS = 32;

export function createGuestRequests(timers: GuestTimers): GuestRequests {
  let call: { jobId: number; inFlight: Set<number>; deliver: (requestId: number, ok: boolean, body: string) => Promise<unknown> } | null = null;

  const hook = new ivm.Callback(
    (requestId: unknown, op: unknown, body: unknown) => {
      const running = call;
      if (running === null || typeof requestId !== 'number' || typeof op !== 'string' || typeof body !== 'string') return;
      if (op.length > MAX_OP_CHARS || body.length > MAX_REQUEST_CHARS || running.inFlight.has(requestId)) return;
      if (running.inFlight.size >= MAX_REQUESTS_IN_FLIGHT) return;
      running.inFlight.add(requestId);
      timers.expectWake();
      sendRequest({ type: 'request', id: running.jobId, requestId, op, body });
    },
    { ignored: true },
  );

  return {
    hook,
    begin(jobId, deliver) {
      const running = { jobId, inFlight: new Set<number>(), deliver };
      call = running;
      waiting.set(jobId, (requestId, ok, body) => {
        if (call !== running || !running.inFlight.delete(requestId)) return;
        timers.wake(() => running.deliver(requestId, ok, body));
      });
    },
    end() {
      if (call === null) return;
      waiting.delete(call.jobId);
      call = null;
    },
  };
}
