/*
 * The guest's side of the capability channel: a call asks the server process for something
 * (a fetch, a kv operation) through the host's request hook, and the answer comes back later
 * through `deliver` (src/sandbox-host/worker/guest-requests.ts). Requests belong to the running
 * call: the table is the call's own, dropped when it ends, and an answer for a call that has
 * ended finds nothing.
 *
 * A refusal or failure is thrown where the tool asked: the error carries the stack taken at
 * the request, so the traceback names the agent's line (`await fetch(...)`), not ours.
 */
import { ErrorCtor, MapCtor, PromiseCtor, defineProperty } from '../prelude/intrinsics.js';

const TypeErrorCtor = TypeError;
const RangeErrorCtor = RangeError;
const parseJSON = JSON.parse;

/** In flight at once per call: the host's own bound (guest-requests.ts) is the same. */
export const MAX_REQUESTS_IN_FLIGHT = 64;
/**
 * The longest request text that crosses: the sandbox process drops a longer one without an
 * answer (guest-requests.ts, the same figure), so it is refused here, where the tool can be
 * told, instead of leaving the call to wait for its deadline.
 */
export const MAX_REQUEST_CHARS = 16 * 1024 * 1024;

type HostRequestHook = (requestId: number, op: string, body: string) => void;

interface PendingRequest {
  resolve: (body: string) => void;
  reject: (error: unknown) => void;
  /** Taken when the tool asked: its frames are the agent's lines. */
  site: Error;
}

let hook: HostRequestHook | null = null;
let pending: Map<number, PendingRequest> | null = null;
let nextRequestId = 1;

export function setHostRequestHook(h: HostRequestHook): void {
  hook = h;
}

/** A call starts: its requests, none yet. */
export function beginRequests(): void {
  pending = null;
}

/**
 * Asks the server for `op`. Resolves with the answer's text; rejects with the error the server
 * named, thrown from where the tool asked.
 */
export function hostRequest(op: string, body: string): Promise<string> {
  const site = new ErrorCtor();
  if (hook === null) return PromiseCtor.reject(located(site, 'Error', 'This runtime has no host to ask.'));
  if (body.length > MAX_REQUEST_CHARS) {
    return PromiseCtor.reject(
      located(site, 'RangeError', `The request to the host is ${body.length} characters; at most ${MAX_REQUEST_CHARS} can be sent (a fetch body or a kv value). Send less per request.`),
    );
  }
  pending ??= new MapCtor();
  if (pending.size >= MAX_REQUESTS_IN_FLIGHT) {
    return PromiseCtor.reject(located(site, 'RangeError', `A call may have at most ${MAX_REQUESTS_IN_FLIGHT} requests (fetch, ctx.kv, ctx.mcp, ctx.sql, ctx.tools) waiting at once; await some before starting more.`));
  }
  const requestId = nextRequestId++;
  const table = pending;
  return new PromiseCtor<string>((resolve, reject) => {
    table.set(requestId, { resolve, reject, site });
    hook!(requestId, op, body);
  });
}

/**
 * Runs `body` now; what it throws (an argument check, a JSON.stringify of the tool's value)
 * becomes the rejection of the promise the tool awaits, as a fetch's would.
 */
export function attempt<T>(body: () => Promise<T>): Promise<T> {
  try {
    return body();
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what was thrown, as thrown
    return PromiseCtor.reject(error);
  }
}

/** The host's answer to one request (the prelude's `deliver`, called by the host only). */
export function deliver(requestId: number, ok: boolean, body: string): void {
  const request = pending?.get(requestId);
  if (request === undefined) return;
  pending!.delete(requestId);
  if (ok) {
    request.resolve(body);
    return;
  }
  let name = 'Error';
  let message = 'The host refused the request.';
  try {
    const parsed = parseJSON(body) as { name?: unknown; message?: unknown };
    if (typeof parsed.name === 'string') name = parsed.name;
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    /* the fixed message above */
  }
  request.reject(located(request.site, name, message));
}

/** An error named `name` whose stack is the one taken at `site`. */
export function located(site: Error, name: string, message: string): Error {
  const Ctor = name === 'TypeError' ? TypeErrorCtor : name === 'RangeError' ? RangeErrorCtor : ErrorCtor;
  const error = new Ctor(message);
  if (error.name !== name) defineProperty(error, 'name', { value: name, writable: true, enumerable: false, configurable: true });
  const frames = siteFrames(site);
  if (frames !== null) defineProperty(error, 'stack', { value: `${name}: ${message}${frames}`, writable: true, enumerable: false, configurable: true });
  return error;
}

/** The frame lines of the site's stack (from its first newline), or null when it has none. */
function siteFrames(site: Error): string | null {
  const stack = site.stack;
  if (typeof stack !== 'string') return null;
  const newline = stack.indexOf('\n');
  return newline < 0 ? null : stack.slice(newline);
}
