/*
 * Puts the Web APIs on the realm's global object, while the prelude builds the realm (before
 * lockdown freezes them with everything else, and before any tool code runs). Each global is
 * writable and configurable until lockdown makes it read-only; lockdown/permits.ts names them.
 *
 * Module-level values in these files are constants (frozen tables, classes, captured
 * built-ins): once the realm is built, the only state is in objects a call makes (a URL,
 * a Headers, a TextDecoder's stream), which die with the call.
 */
import { AbortController, AbortSignal, onAbort, setAbortTimer } from './abort.js';
import { atob, btoa } from './base64.js';
import { createCrypto } from './crypto.js';
import { DOMException } from './dom-exception.js';
import { Event, EventTarget, setEventHooks } from './events.js';
import { Headers } from './headers.js';
import { createPerformance } from './performance.js';
import { Request, requestParts } from './request.js';
import { networkResponse, Response } from './response.js';
import { structuredClone } from './structured-clone.js';
import { TextDecoder, TextEncoder } from './text.js';
import { setURLHook, URL, type URLHook } from './url.js';
import { URLSearchParams } from './url-search-params.js';

/** The host's synchronous callbacks, taken by the prelude before any tool code runs. */
export interface HostHooks {
  /** n random bytes as n characters 0-255 (realm-hooks.ts). */
  random: (count: number) => unknown;
  url: URLHook;
}

/** The global names this module defines (lockdown/permits.ts gives each a permit). */
export const WEB_GLOBALS = Object.freeze([
  'AbortController',
  'AbortSignal',
  'DOMException',
  'Event',
  'EventTarget',
  'Headers',
  'Request',
  'Response',
  'TextDecoder',
  'TextEncoder',
  'URL',
  'URLSearchParams',
  'atob',
  'btoa',
  'crypto',
  'performance',
  'structuredClone',
] as const);

/** What the Web APIs take from the prelude itself. */
export interface PreludeServices {
  /** A listener that threw (EventTarget): the prelude writes it to the call's console. */
  reportListenerError: (error: unknown) => void;
  /** The prelude's setTimeout (timers of the running call), for AbortSignal.timeout(). */
  setTimeout: (callback: () => void, ms: number) => unknown;
}

export function installWebApis(global: typeof globalThis, hooks: HostHooks, prelude: PreludeServices) {
  setEventHooks({ report: prelude.reportListenerError });
  setAbortTimer(prelude.setTimeout);
  setURLHook(hooks.url);
  const values: Record<(typeof WEB_GLOBALS)[number], unknown> = {
    AbortController,
    AbortSignal,
    DOMException,
    Event,
    EventTarget,
    Headers,
    Request,
    Response,
    TextDecoder,
    TextEncoder,
    URL,
    URLSearchParams,
    atob,
    btoa,
    crypto: createCrypto(hooks.random),
    performance: createPerformance(),
    structuredClone,
  };
  for (const name of WEB_GLOBALS) {
    const value = values[name];
    // The bundle renames a class that shares a global's name (URL is _URL inside it); its name is API.
    if (typeof value === 'function' && value.name !== name) Object.defineProperty(value, 'name', { value: name, writable: false, enumerable: false, configurable: true });
    // Web IDL: interface objects (the classes) are not enumerable; operations and attributes
    // of the global (atob, crypto, ...) are, as in Node and browsers.
    const isInterface = /^[A-Z]/.test(name);
    Object.defineProperty(global, name, { value, writable: true, enumerable: !isInterface, configurable: true });
  }
  // For the realm's own fetch (none of these is a global).
  return { Request, Response, Headers, AbortSignal, requestParts, networkResponse, onAbort };
}
