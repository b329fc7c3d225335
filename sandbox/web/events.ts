/*
 * Event and EventTarget, as much of the DOM's as AbortSignal and tools need: listeners with
 * `once`, `capture`, `passive` and `signal`, objects with handleEvent, stopImmediatePropagation,
 * preventDefault on cancelable events. There is no tree: an event is dispatched at its target
 * only, so capture and bubble phases never happen.
 *
 * A listener that throws does not stop the others or reach dispatchEvent's caller (the DOM
 * "reports" it); here the report is an [error] line in the call's console (install.ts).
 */
import { DOMException } from './dom-exception.js';
import { performanceNow } from './performance.js';
import { defineTag, dictionary, toDOMString } from './webidl.js';

const TypeErrorCtor = TypeError;

interface Listener {
  callback: unknown;
  capture: boolean;
  once: boolean;
  passive: boolean;
  removed: boolean;
}

/**
 * Hooks other modules of the realm set while it is built, before any tool code runs (each
 * at most once): how a listener's exception is reported, and how a listener follows the
 * AbortSignal given as its `signal` option (abort.ts).
 */
const hooks: {
  report?: (error: unknown) => void;
  followSignal?: (signal: unknown, onAbort: () => void) => 'aborted' | 'following';
} = {};

export function setEventHooks(set: typeof hooks): void {
  for (const key of ['report', 'followSignal'] as const) {
    if (set[key] === undefined) continue;
    if (hooks[key] !== undefined) throw new TypeErrorCtor(`Chameleon prelude: event hook ${key} set twice`);
    (hooks as Record<string, unknown>)[key] = set[key];
  }
}

/** Runs the listeners of `target` for `event` (set in Event's static block: it reaches the private state). */
let dispatch: (event: Event, target: EventTarget, listeners: Listener[]) => boolean;
/** An event the realm itself fires (AbortSignal's abort): isTrusted, as the platform's own events are. */
export let trustedEvent: (type: string) => Event;

export class Event {
  static readonly NONE = 0;
  static readonly CAPTURING_PHASE = 1;
  static readonly AT_TARGET = 2;
  static readonly BUBBLING_PHASE = 3;

  readonly #type: string;
  readonly #bubbles: boolean;
  readonly #cancelable: boolean;
  readonly #composed: boolean;
  readonly #timeStamp: number;
  #target: EventTarget | null = null;
  #currentTarget: EventTarget | null = null;
  #phase = 0;
  #canceled = false;
  #stopped = false;
  #stoppedImmediately = false;
  #inPassiveListener = false;
  #dispatching = false;
  #trusted = false;

  constructor(type: unknown, init: unknown = undefined) {
    if (arguments.length === 0) throw new TypeErrorCtor('Event: 1 argument required, but only 0 present.');
    this.#type = toDOMString(type);
    const options = dictionary(init, 'EventInit');
    this.#bubbles = Boolean(options['bubbles']);
    this.#cancelable = Boolean(options['cancelable']);
    this.#composed = Boolean(options['composed']);
    this.#timeStamp = performanceNow();
  }

  get type(): string {
    return this.#type;
  }
  get target(): EventTarget | null {
    return this.#target;
  }
  get srcElement(): EventTarget | null {
    return this.#target;
  }
  get currentTarget(): EventTarget | null {
    return this.#currentTarget;
  }
  get eventPhase(): number {
    return this.#phase;
  }
  get bubbles(): boolean {
    return this.#bubbles;
  }
  get cancelable(): boolean {
    return this.#cancelable;
  }
  get composed(): boolean {
    return this.#composed;
  }
  get defaultPrevented(): boolean {
    return this.#canceled;
  }
  get returnValue(): boolean {
    return !this.#canceled;
  }
  get cancelBubble(): boolean {
    return this.#stopped;
  }
  set cancelBubble(value: boolean) {
    if (value) this.#stopped = true;
  }
  get isTrusted(): boolean {
    return this.#trusted;
  }
  get timeStamp(): number {
    return this.#timeStamp;
  }
  composedPath(): EventTarget[] {
    return this.#currentTarget === null ? [] : [this.#currentTarget];
  }
  stopPropagation(): void {
    this.#stopped = true;
  }
  stopImmediatePropagation(): void {
    this.#stopped = true;
    this.#stoppedImmediately = true;
  }
  preventDefault(): void {
    if (this.#cancelable && !this.#inPassiveListener) this.#canceled = true;
  }

  static {
    trustedEvent = (type) => {
      const event = new Event(type);
      event.#trusted = true;
      return event;
    };
    dispatch = (event, target, listeners) => {
      if (event.#dispatching) throw new DOMException('The event is already being dispatched.', 'InvalidStateError');
      event.#dispatching = true;
      event.#target = target;
      event.#currentTarget = target;
      event.#phase = Event.AT_TARGET;
      try {
        // A copy: listeners added during dispatch do not run; removed ones are skipped.
        for (const listener of [...listeners]) {
          if (listener.removed) continue;
          if (listener.once) removeListener(listeners, listener);
          event.#inPassiveListener = listener.passive;
          invoke(listener.callback, target, event);
          event.#inPassiveListener = false;
          if (event.#stoppedImmediately) break;
        }
      } finally {
        event.#dispatching = false;
        event.#inPassiveListener = false;
        event.#currentTarget = null;
        event.#phase = Event.NONE;
        event.#stopped = false;
        event.#stoppedImmediately = false;
      }
      return !event.#canceled;
    };
  }
}
defineTag(Event, 'Event');

function removeListener(listeners: Listener[], listener: Listener): void {
  listener.removed = true;
  const index = listeners.indexOf(listener);
  if (index >= 0) listeners.splice(index, 1);
}

function invoke(callback: unknown, target: EventTarget, event: Event): void {
  try {
    if (typeof callback === 'function') {
      (callback as (this: EventTarget, e: Event) => unknown).call(target, event);
    } else if (callback !== null && typeof callback === 'object') {
      const handleEvent: unknown = (callback as { handleEvent?: unknown }).handleEvent;
      if (typeof handleEvent !== 'function') throw new TypeErrorCtor("The listener's handleEvent is not a function");
      (handleEvent as (e: Event) => unknown).call(callback, event);
    }
  } catch (error) {
    hooks.report?.(error);
  }
}

function flatten(options: unknown): Record<string, unknown> & { capture: boolean } {
  if (typeof options === 'boolean') return { capture: options };
  const dict = dictionary(options, 'listener options');
  return { once: dict['once'], passive: dict['passive'], signal: dict['signal'], capture: Boolean(dict['capture']) };
}

export class EventTarget {
  readonly #listeners = new Map<string, Listener[]>();

  addEventListener(type: unknown, callback: unknown, options: unknown = undefined): void {
    const name = toDOMString(type);
    const { capture, once, passive, signal } = flatten(options);
    if (callback === null || callback === undefined) return;
    if (typeof callback !== 'function' && typeof callback !== 'object') throw new TypeErrorCtor('addEventListener: the listener must be a function or an object with handleEvent');
    const list = this.#listeners.get(name) ?? [];
    if (list.some((l) => l.callback === callback && l.capture === capture)) return;
    if (signal !== undefined && signal !== null) {
      // An aborted signal adds nothing; a later abort removes the listener.
      const follow = hooks.followSignal;
      if (!follow) throw new TypeErrorCtor('addEventListener: signals are not available');
      if (follow(signal, () => this.removeEventListener(name, callback, { capture })) === 'aborted') return;
    }
    list.push({ callback, capture, once: Boolean(once), passive: Boolean(passive), removed: false });
    this.#listeners.set(name, list);
  }

  removeEventListener(type: unknown, callback: unknown, options: unknown = undefined): void {
    const name = toDOMString(type);
    const { capture } = flatten(options);
    const list = this.#listeners.get(name);
    const listener = list?.find((l) => l.callback === callback && l.capture === capture);
    if (list && listener) removeListener(list, listener);
  }

  dispatchEvent(event: unknown): boolean {
    if (!(event instanceof Event)) throw new TypeErrorCtor('dispatchEvent: the argument must be an Event');
    return dispatch(event, this, this.#listeners.get(event.type) ?? []);
  }
}
defineTag(EventTarget, 'EventTarget');
