/**
 * Floating promises: `ids.forEach(async (id) => { await save(id); })`, or a forgotten `await`,
 * whose promise rejects while nobody listens.
 *
 * An isolate has no `process.on('unhandledRejection')`, and guest promises (those of `async`
 * functions above all) are made by the engine, so the prelude cannot watch them. isolated-vm
 * does: it registers V8's promise-reject callback, and at the end of every host call into the
 * isolate (after the microtask checkpoint) it throws to the host the reason of the first
 * rejected promise that still has no handler (isolated-vm 5.0.4, environment.cc, TaskEpilogue).
 * The entry's own return value is lost with it; the prelude keeps it (`abandon()`).
 *
 * This module turns that throw into the guest failure it is: an `exception` with the subkind
 * `unhandled_rejection`, the reason's own stack (its frames are the agent's lines), and the
 * console output of the call. A call whose handler returned successfully still fails: a
 * promise it let go rejected before the call ended, which is a bug in the tool.
 *
 * What isolated-vm hands over is a copy, already made: an Error's name, message and stack as
 * strings, a primitive as itself, and for any other object only a fixed sentence of its own
 * (its content is not copied). Everything here is plain host data, read without guest code.
 */

/** isolated-vm's stand-in for a thrown object that is not an Error (external_copy.cc). */
const NOT_AN_ERROR_OBJECT = 'An object was thrown from supplied code within isolated-vm, but that object was not an instance of `Error`.';
/** isolated-vm appends the host's stack below this line: host frames never reach the agent. */
const BOUNDARY = '<isolated-vm boundary>';
// The prelude's own caps (sandbox/prelude.ts), so both sides describe failures alike.
const MAX_NAME = 200;
const MAX_MESSAGE = 4_000;
const MAX_STACK = 16_000;

export const UNHANDLED_REJECTION = 'unhandled_rejection';

interface RejectionFailure {
  kind: 'exception';
  subkind: typeof UNHANDLED_REJECTION;
  name: string;
  message: string;
  stack: string | null;
  thrown: 'error' | 'value';
}

/**
 * The envelope of a call whose entry returned `produced` (the prelude's envelope, or '' for a
 * call still waiting) before isolated-vm threw `reason` for a rejection nobody handled.
 * A call that had already failed keeps its own failure: that one is the first to fix.
 */
export function rejectionEnvelope(reason: unknown, produced: string): string {
  const previous = parseProduced(produced);
  if (previous?.ok === false) return produced;
  return JSON.stringify({ ok: false, failure: describeReason(reason), console: previous?.console ?? '' });
}

function parseProduced(produced: string): { ok: boolean; console: string } | null {
  if (produced === '') return null;
  try {
    const parsed = JSON.parse(produced) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { ok, console } = parsed as { ok?: unknown; console?: unknown };
    return { ok: ok !== false, console: typeof console === 'string' ? console : '' };
  } catch {
    return null;
  }
}

export function describeReason(reason: unknown): RejectionFailure {
  const base = { kind: 'exception', subkind: UNHANDLED_REJECTION } as const;
  if (reason instanceof Error) {
    if (reason.message === NOT_AN_ERROR_OBJECT) {
      return {
        ...base,
        name: 'thrown object',
        message: 'A promise was rejected with an object that is not an Error (the sandbox cannot show its content).',
        stack: null,
        thrown: 'value',
      };
    }
    return {
      ...base,
      name: cut(String(reason.name), MAX_NAME) || 'Error',
      message: cut(String(reason.message), MAX_MESSAGE),
      stack: typeof reason.stack === 'string' ? guestPart(reason.stack) : null,
      thrown: 'error',
    };
  }
  const type = reason === null ? 'null' : typeof reason;
  return { ...base, name: `thrown ${type}`, message: cut(String(reason), MAX_MESSAGE), stack: null, thrown: 'value' };
}

/** The stack above isolated-vm's boundary line: the guest's frames, without the host's. */
function guestPart(stack: string): string | null {
  const lines = stack.split('\n');
  const boundary = lines.findIndex((line) => line.includes(BOUNDARY));
  // No boundary line: the host's frames cannot be told apart, so none of it is shown.
  if (boundary < 0) return null;
  return cut(lines.slice(0, boundary).join('\n'), MAX_STACK);
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[cut at ${max} characters]`;
}
