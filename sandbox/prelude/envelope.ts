/*
 * The prelude's reply to the host: a JSON envelope, `{ ok: true, console, result }` or
 * `{ ok: false, console, failure }`. Its shape is checked again on the host
 * (src/service/guest-envelope.ts), which trusts nothing in it.
 */
import { freeze, stringify } from './intrinsics.js';

/** A value thrown (or given as a cause) that is not an Error: its type, and JSON (or the closest text). */
export interface ThrownValue {
  type: string;
  json: string;
}

/** An error as the prelude describes it: its own fields, and the errors linked to it. */
export interface DescribedError {
  name: string;
  message: string;
  stack: string | null;
  /** Set when the value is not an Error. */
  value?: ThrownValue;
  /** JSON text of an object: the error's own JSON-safe data properties (code, status, details). */
  properties?: string;
  /** `new Error(message, { cause })`. */
  cause?: DescribedError;
  /** An AggregateError's members, the first few. */
  errors?: DescribedError[];
  /** How many members were left out of `errors`. */
  errorsOmitted?: number;
  /** This error was described above already (a cycle): only its name and message are here. */
  circular?: true;
}

export interface GuestFailure extends DescribedError {
  kind: 'exception' | 'invalid_result' | 'compile';
  thrown: 'error' | 'value';
}

/** Said when even describing the thrown value threw. The value is not touched again. */
export const UNDESCRIBABLE: GuestFailure = freeze({
  kind: 'exception',
  name: 'Error',
  message: 'The tool threw a value that could not be described (reading it threw again).',
  stack: null,
  thrown: 'value',
});

export const LAST_RESORT = stringify({ ok: false, failure: UNDESCRIBABLE, console: '' });

export function failureEnvelope(failure: GuestFailure, consoleText: string): string {
  return stringify({ ok: false, failure, console: consoleText });
}

export function invalidResult(message: string): GuestFailure {
  return { kind: 'invalid_result', name: 'InvalidResult', message, stack: null, thrown: 'value' };
}
