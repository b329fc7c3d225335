/*
 * The allow-list: SES's permits (every intrinsic, every property it may have, and what kind of
 * value that property must hold), taken from the `ses` package pinned in package.json, plus
 * what Chameleon adds to SES's list. Anything the realm has that these do not permit is
 * removed by enforce.ts before the realm is frozen.
 *
 * Chameleon's additions, each a deliberate choice:
 *   - Intl (ECMA-402). SES omits it: it is not in ECMA-262 and reads the host's locale data.
 *     Tools need it (toLocaleString, number and date formatting), and in a sandbox process it
 *     reads only the fixed, read-only locale data and TZ=UTC the process was started with.
 *     Its constructors and namespace are listed one by one; the members of its prototypes are
 *     permitted as a whole (ANY_MEMBERS) rather than method by method, then frozen like
 *     everything else. Intl.v8BreakIterator (non-standard) is not listed, so it is removed.
 *   - The prelude's globals: console (the call's bounded console buffer), __chameleon_bind
 *     (binds a tool module to the call entry) and __chameleon_console (the host reads what a
 *     call printed before it was stopped), setTimeout and clearTimeout (timers of the running
 *     call, cancelled when it ends). All are the prelude's own frozen functions.
 *   - The Web APIs the prelude defines (sandbox/web/install.ts): URL, TextEncoder, crypto,
 *     AbortController, Headers, ... Their code is the prelude's own; each is permitted as a
 *     whole with the prototype its class has, then frozen like everything else.
 * Removed although SES permits them: nothing; SES's list already leaves out WeakRef,
 * FinalizationRegistry (they schedule code outside any call), SharedArrayBuffer, Atomics and
 * WebAssembly (memory the isolate's limit does not see), and RegExp's legacy statics (the last
 * match, one call's data readable by the next).
 */
import { FunctionInstance, permitted, type Permit, type PermitRecord } from 'ses/src/permits.js';

/** In a permit record: every other own property is permitted, whatever it holds (it is still frozen). */
export const ANY_MEMBERS = '*';

const fn = FunctionInstance;
const anyMembers = (proto: string): PermitRecord => ({ '[[Proto]]': proto, [ANY_MEMBERS]: 'any' });

/** An Intl service constructor (Intl.Collator, ...) and its prototype. */
function intlService(name: string): Record<string, Permit> {
  return {
    [`%Intl${name}%`]: { '[[Proto]]': '%FunctionPrototype%', prototype: `%Intl${name}Prototype%`, supportedLocalesOf: fn },
    [`%Intl${name}Prototype%`]: anyMembers('%ObjectPrototype%'),
  };
}

export const INTL_SERVICES = ['Collator', 'DateTimeFormat', 'DisplayNames', 'ListFormat', 'NumberFormat', 'PluralRules', 'RelativeTimeFormat', 'Segmenter', 'Locale', 'DurationFormat'];

/**
 * The Web APIs' globals (sandbox/web/install.ts) and the [[Proto]] of each: a class's is the
 * class it extends, a function's Function.prototype, a namespace object's Object.prototype.
 */
const WEB_API_PROTOTYPES: Record<string, string> = {
  AbortController: '%FunctionPrototype%',
  AbortSignal: '%ChameleonEventTarget%',
  DOMException: '%InitialError%',
  Event: '%FunctionPrototype%',
  EventTarget: '%FunctionPrototype%',
  Headers: '%FunctionPrototype%',
  Request: '%FunctionPrototype%',
  Response: '%FunctionPrototype%',
  TextDecoder: '%FunctionPrototype%',
  TextEncoder: '%FunctionPrototype%',
  URL: '%FunctionPrototype%',
  URLSearchParams: '%FunctionPrototype%',
  atob: '%FunctionPrototype%',
  btoa: '%FunctionPrototype%',
  structuredClone: '%FunctionPrototype%',
  crypto: '%ObjectPrototype%',
  performance: '%ObjectPrototype%',
  // Defined by the prelude itself (sandbox/capabilities/fetch.ts), beside the Web APIs.
  fetch: '%FunctionPrototype%',
};

const WEB_PERMITS: Record<string, Permit> = Object.fromEntries(Object.entries(WEB_API_PROTOTYPES).map(([name, proto]) => [`%Chameleon${name}%`, anyMembers(proto)]));

const CHAMELEON_PERMITS: Record<string, Permit> = {
  Intl: {
    '@@toStringTag': 'string',
    getCanonicalLocales: fn,
    supportedValuesOf: fn,
    ...Object.fromEntries(INTL_SERVICES.map((name) => [name, `%Intl${name}%`])),
  },
  ...(Object.assign({}, ...INTL_SERVICES.map(intlService)) as Record<string, Permit>),
  '%IntlSegmentsPrototype%': anyMembers('%ObjectPrototype%'),
  '%IntlSegmentIteratorPrototype%': anyMembers('%IteratorPrototype%'),
  '%ChameleonConsole%': anyMembers('%ObjectPrototype%'),
  // The prelude's functions: whatever own properties a function of theirs has (a plain
  // function's prototype), frozen.
  '%ChameleonBind%': anyMembers('%FunctionPrototype%'),
  '%ChameleonConsoleText%': anyMembers('%FunctionPrototype%'),
  '%ChameleonSetTimeout%': anyMembers('%FunctionPrototype%'),
  '%ChameleonClearTimeout%': anyMembers('%FunctionPrototype%'),
  ...WEB_PERMITS,
};

/** The prelude's globals and Intl, with the permit names they go by. */
export const CHAMELEON_GLOBAL_NAMES: Record<string, string> = {
  Intl: 'Intl',
  console: '%ChameleonConsole%',
  __chameleon_bind: '%ChameleonBind%',
  __chameleon_console: '%ChameleonConsoleText%',
  setTimeout: '%ChameleonSetTimeout%',
  clearTimeout: '%ChameleonClearTimeout%',
  ...Object.fromEntries(Object.keys(WEB_API_PROTOTYPES).map((name) => [name, `%Chameleon${name}%`])),
};

/** SES's permits with Chameleon's additions. */
export const PERMITS: PermitRecord = { ...permitted, ...CHAMELEON_PERMITS };

/**
 * Where this realm differs from the shape SES's permits expect because SES would have tamed
 * it first: the property is kept as the data value it is (then frozen).
 *   - Error.stackTraceLimit: SES turns it into an accessor that writes the engine's setting.
 *     Here it stays a number, frozen: V8 captures no stack at all unless it is a number, and
 *     no call may change it for the next.
 */
export const KEEP_AS_DATA: Record<string, string> = {
  '%InitialError%.stackTraceLimit': 'number',
};
