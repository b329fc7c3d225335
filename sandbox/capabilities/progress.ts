/*
 * `ctx.progress(done, total?, message?)`: tells the client how far a long call has got. The
 * arguments are checked here, where a mistake can be thrown at the agent's own line; then they
 * cross to the sandbox process through a one-way hook (an isolated-vm Callback with
 * `ignored: true`: no answer, no promise, nothing of the host's comes back). Everything else
 * (the progress token, the rate limit, the bound per call, keeping `progress` increasing)
 * happens outside the realm: src/sandbox-host/worker/guest-progress.ts and, in the server,
 * src/service/progress-relay.ts.
 *
 * One frozen function serves every call of the realm: it holds no state (the sandbox process
 * knows which call is running).
 */
import { freeze, isFinite, StringCtor } from '../prelude/intrinsics.js';

const TypeErrorCtor = TypeError;

/** The longest message a notification carries (the sandbox process and the server check it again). */
export const MAX_PROGRESS_MESSAGE_CHARS = 200;

type ProgressHook = (done: number, total: number | undefined, message: string | undefined) => void;

export type Progress = (done: number, total?: number, message?: string) => void;

/** `the number NaN`, `a string`, `an object`, `undefined`: what the tool passed, in its words. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return StringCtor(value);
  if (typeof value === 'number') return `the number ${StringCtor(value)}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function createProgress(hook: ProgressHook | undefined): Progress {
  return freeze((done: unknown, total?: unknown, message?: unknown): void => {
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
    hook?.(done, total, message);
  });
}
