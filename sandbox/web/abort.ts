/*
 * AbortController and AbortSignal (DOM standard): abort(reason), aborted, reason,
 * throwIfAborted, onabort, the `abort` event, AbortSignal.abort(), AbortSignal.any() and
 * AbortSignal.timeout(), whose timer is one of the call's own (setTimeout's: cancelled when
 * the call ends, counted in its pending timers). Every signal is made by the call that uses
 * it, so no state outlives a call.
 *
 * `onAbort` (not a global) lets the realm's own code, such as fetch, run a step when a signal
 * aborts, before its `abort` event is fired, as the standard's "abort algorithms" do.
 */
import { DOMException } from './dom-exception.js';
import { EventTarget, setEventHooks, trustedEvent } from './events.js';
import { defineTag } from './webidl.js';

const TypeErrorCtor = TypeError;

/** Aborts a signal (set in AbortSignal's static block: it reaches the private state). */
let signalAbort: (signal: AbortSignal, reason: unknown) => void;
let makeSignal: () => AbortSignal;
let algorithmsOf: (signal: AbortSignal) => Array<() => void> | null;

/** The prelude's setTimeout, given once while the realm is built (install.ts). */
let abortTimer: ((callback: () => void, ms: number) => unknown) | null = null;
export function setAbortTimer(timer: (callback: () => void, ms: number) => unknown): void {
  if (abortTimer !== null) throw new TypeErrorCtor('Chameleon prelude: the abort timer is set twice');
  abortTimer = timer;
}

/** Only the realm's own code holds it: `new AbortSignal()` is refused, as in the DOM. */
const CONSTRUCT = Object.freeze({});

export class AbortSignal extends EventTarget {
  #aborted = false;
  #reason: unknown = undefined;
  #onabort: unknown = null;
  /** Run once, at abort: dependents' aborts, fetch's, listeners' removal. */
  #algorithms: Array<() => void> = [];

  constructor(token: unknown = undefined) {
    if (token !== CONSTRUCT) throw new TypeErrorCtor('Illegal constructor: use new AbortController().signal or AbortSignal.abort()');
    super();
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  throwIfAborted(): void {
    if (this.#aborted) throw this.#reason;
  }

  get onabort(): unknown {
    return this.#onabort;
  }

  set onabort(handler: unknown) {
    if (this.#onabort !== null) this.removeEventListener('abort', this.#onabort);
    this.#onabort = typeof handler === 'function' || (typeof handler === 'object' && handler !== null) ? handler : null;
    if (this.#onabort !== null) this.addEventListener('abort', this.#onabort);
  }

  static abort(reason: unknown = undefined): AbortSignal {
    const signal = makeSignal();
    signalAbort(signal, reason);
    return signal;
  }

  /** A signal that aborts with a TimeoutError after `ms` milliseconds (Web IDL: a whole number, not negative). */
  static timeout(ms: unknown): AbortSignal {
    const delay = Number(ms);
    if (!Number.isFinite(delay) || delay < 0) throw new TypeErrorCtor(`AbortSignal.timeout: the delay must be a finite number of milliseconds, 0 or more, not ${String(ms)}`);
    const signal = makeSignal();
    if (abortTimer === null) throw new TypeErrorCtor('AbortSignal.timeout: timers are not available');
    abortTimer(() => signalAbort(signal, new DOMException('The operation was aborted due to timeout', 'TimeoutError')), Math.trunc(delay));
    return signal;
  }

  /** A signal that aborts as soon as one of `signals` does, with its reason. */
  static any(signals: unknown): AbortSignal {
    if (signals === null || typeof signals !== 'object' || !(Symbol.iterator in signals)) throw new TypeErrorCtor('AbortSignal.any: the argument must be an iterable of AbortSignals');
    const list = [...(signals as Iterable<unknown>)];
    for (const s of list) if (!(s instanceof AbortSignal)) throw new TypeErrorCtor('AbortSignal.any: every member must be an AbortSignal');
    const result = makeSignal();
    const sources = list as AbortSignal[];
    const already = sources.find((s) => s.aborted);
    if (already) {
      signalAbort(result, already.reason);
      return result;
    }
    for (const source of sources) algorithmsOf(source)?.push(() => signalAbort(result, source.reason));
    return result;
  }

  static {
    makeSignal = () => new AbortSignal(CONSTRUCT);
    algorithmsOf = (signal) => (signal.#aborted ? null : signal.#algorithms);
    signalAbort = (signal, reason) => {
      if (signal.#aborted) return;
      signal.#aborted = true;
      signal.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
      const algorithms = signal.#algorithms;
      signal.#algorithms = [];
      for (const run of algorithms) run();
      signal.dispatchEvent(trustedEvent('abort'));
    };
  }
}
defineTag(AbortSignal, 'AbortSignal');

export class AbortController {
  readonly #signal: AbortSignal = makeSignal();

  get signal(): AbortSignal {
    return this.#signal;
  }

  abort(reason: unknown = undefined): void {
    signalAbort(this.#signal, reason);
  }
}
defineTag(AbortController, 'AbortController');

/**
 * Runs `step` when `signal` aborts (before its abort event). Returns false, and does not keep
 * `step`, when the signal has aborted already.
 */
export function onAbort(signal: AbortSignal, step: () => void): boolean {
  const algorithms = algorithmsOf(signal);
  if (algorithms === null) return false;
  algorithms.push(step);
  return true;
}

// A listener added with { signal } is removed when that signal aborts.
setEventHooks({
  followSignal(signal, remove) {
    if (!(signal instanceof AbortSignal)) throw new TypeErrorCtor("addEventListener: the 'signal' option must be an AbortSignal");
    return onAbort(signal, remove) ? 'following' : 'aborted';
  },
});
