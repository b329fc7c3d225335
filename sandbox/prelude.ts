/*
 * The sandbox prelude. It runs inside the isolate, once in each isolate's context, before
 * lockdown.ts freezes the realm and before any tool code. It is the only code there besides
 * the tool's own.
 *
 * Why it exists: everything that crosses the isolate boundary must be a string that the host
 * validates. So the prelude loads the tool module, calls the handler, captures console output
 * (bounded), checks that the result is JSON, and describes errors, all *inside* the isolate,
 * under the call's CPU limit. The host never copies a guest object and never reads a guest
 * getter, so a hostile object cannot run code outside the time limit (../shared/NOTES.md).
 *
 * The guest can reach nothing but its own realm. The host gives the realm three functions,
 * which the prelude takes off the global object before any tool code runs: the timer hook
 * (src/sandbox-host/worker/guest-timers.ts), which schedules or cancels a wake-up of the
 * running call and returns nothing, and two synchronous callbacks that take and return
 * strings (random bytes; URL parsing: src/sandbox-host/worker/realm-hooks.ts), which tool code
 * reaches only through crypto and URL (web/install.ts). Two more one-way hooks carry a call's
 * capability requests (capabilities/host-requests.ts) and its ctx.progress reports
 * (capabilities/progress.ts); both are taken off the global the same way.
 *
 * scripts/build.mjs bundles this file and its imports (web/) into dist/sandbox/prelude.js.
 */
import { installWebApis, type HostHooks } from './web/install.js';
import { beginRequests, deliver, setHostRequestHook } from './capabilities/host-requests.js';
import { createFetch } from './capabilities/fetch.js';
import { createKv, createSecret } from './capabilities/kv.js';
import { createMcp } from './capabilities/mcp.js';
import { createToolCall, createToolsView } from './capabilities/tools.js';
import { createSql } from './capabilities/sql.js';
import { createProgressChannel, type ProgressHook } from './capabilities/progress.js';

/** Globals the host sets before the prelude runs (realm-hooks.ts names them too). */
const HOST_HOOK_GLOBALS = { random: '__chameleon_host_random', url: '__chameleon_host_url' } as const;

import { failureEnvelope, LAST_RESORT } from './prelude/envelope.js';
import { describeSafely, forgetThrows, recordThrow } from './prelude/describe.js';
import { createConsoleBuffer } from './prelude/console.js';
import { defineProperty, ErrorCtor, fnToString, freeze, parse, stringify } from './prelude/intrinsics.js';
import { serializeResult } from './prelude/result.js';
import { safeGet, safeString } from './prelude/values.js';

interface CallMeta {
  persona: string;
  tool: { name: string; version: number };
  maxResultChars: number;
  maxConsoleChars: number;
  /** Load the module and check its default export, without calling it. */
  probe?: boolean;
  /** With `probe`: a library, loaded to see that it loads; it has no handler to check. */
  library?: boolean;
  /** What the server will do for the call (src/sandbox-host/protocol.ts CallCapabilities). */
  capabilities?: { secrets?: Array<[string, string]>; mcp?: string[]; tools?: string[]; sql?: string[] };
}

type ModuleFactory = (
  module: { exports: unknown },
  exports: unknown,
  require: (id: string) => never,
  recordThrow: (value: unknown) => unknown,
) => void;

((global: typeof globalThis) => {
  const globals = global as unknown as Record<string, unknown>;
  const hostTimer = globals['__chameleon_timer'] as ((id: number, ms: number) => void) | undefined;
  delete globals['__chameleon_timer'];
  const hostRequestHook = globals['__chameleon_host_request'] as ((requestId: number, op: string, body: string) => void) | undefined;
  delete globals['__chameleon_host_request'];
  if (hostRequestHook !== undefined) setHostRequestHook((requestId, op, body) => hostRequestHook(requestId, op, body));
  const hostProgressHook = globals['__chameleon_progress'] as ProgressHook | undefined;
  delete globals['__chameleon_progress'];
  // Frozen: it is the same function in every call of every version, and lockdown never
  // reaches it (it is no property of the global object), so anything hung on it would carry
  // from one call to the next (test/security/persist-require-stub-properties.test.ts).
  const requireStub = (id: string): never => {
    throw new ErrorCtor(
      `require(${stringify(safeString(id, 100))}) is not available: Chameleon tools run in a sandbox without modules. Inline the code you need.`,
    );
  };
  freeze(requireStub);
  // The same for the throw-site recorder every compiled `throw` calls (prelude/describe.ts).
  freeze(recordThrow);

  type Handler = (args: unknown, ctx: unknown) => unknown;

  function resolveHandler(exports: unknown): { handler: Handler } | { problem: string } {
    const candidate =
      typeof exports === 'function' && safeGet(exports, 'default') === undefined
        ? exports
        : exports !== null && (typeof exports === 'object' || typeof exports === 'function')
          ? safeGet(exports, 'default')
          : undefined;
    if (candidate === undefined) {
      return { problem: 'The module has no default export. Add `export default function handler(args, ctx) { ... }`.' };
    }
    if (typeof candidate !== 'function') {
      return {
        problem: `The default export is ${candidate === null ? 'null' : `a ${typeof candidate}`}, not a function or class. Export \`function (args, ctx) { ... }\` or a class with \`run(args, ctx)\`.`,
      };
    }
    let source = '';
    try {
      source = fnToString.call(candidate);
    } catch {
      source = '';
    }
    if (/^class\b/.test(source)) {
      const Klass = candidate as unknown as new () => { run?: unknown };
      return {
        handler: (args, ctx) => {
          const instance = new Klass();
          const run = safeGet(instance, 'run');
          if (typeof run !== 'function') {
            throw new ErrorCtor('The default export is a class, but its instances have no run(args, ctx) method.');
          }
          return (run as Handler).call(instance, args, ctx);
        },
      };
    }
    return { handler: candidate as Handler };
  }

  /**
   * The running call's timers. Calls of one realm never overlap (the sandbox process runs one
   * call per isolate at a time), so one table is exact; it is the call's own object, dropped
   * when the call ends, and the host cancels every timer still pending then.
   */
  interface CallTimers {
    callbacks: Map<number, () => void> | null;
  }
  const MAX_PENDING_TIMERS = 1_000;
  const MAX_DELAY_MS = 2 ** 31 - 1;
  const MapCtor = Map;
  const NumberCtor = Number;
  let timers: CallTimers | null = null;
  let nextTimerId = 1;

  function setTimeout(callback: unknown, ms?: unknown, ...args: unknown[]): number {
    if (typeof callback !== 'function') throw new TypeError('setTimeout needs a function (a string of code is not run).');
    const call = timers;
    if (call === null || hostTimer === undefined) throw new ErrorCtor('setTimeout works only while a call runs.');
    call.callbacks ??= new MapCtor();
    if (call.callbacks.size >= MAX_PENDING_TIMERS) {
      throw new RangeError(`A call may have at most ${MAX_PENDING_TIMERS} timers pending; clear some with clearTimeout, or wait for them.`);
    }
    const delay = NumberCtor(ms);
    const id = nextTimerId++;
    call.callbacks.set(id, () => (callback as (...a: unknown[]) => unknown)(...args));
    hostTimer(id, delay > 0 ? (delay < MAX_DELAY_MS ? delay : MAX_DELAY_MS) : 0);
    return id;
  }

  function clearTimeout(id?: unknown): void {
    if (typeof id === 'number' && timers?.callbacks?.delete(id) === true) hostTimer?.(id, -1);
  }

  /**
   * The host runs a timer's callback (guest-timers.ts). A callback that throws fails its call,
   * as an exception its handler threw would: the failure's envelope is returned, and the host
   * ends the call with it. Otherwise nothing is returned.
   */
  function fire(id: number): string | undefined {
    const call = timers;
    const callback = call?.callbacks?.get(id);
    if (call === null || callback === undefined) return undefined;
    call.callbacks!.delete(id);
    try {
      callback();
      return undefined;
    } catch (err) {
      timers = null;
      progressChannel.end();
      return failureEnvelope(describeSafely(err), current.text());
    }
  }

  /** The meta of the call that is running (ctx.secret reads its placeholders). */
  let callMeta: CallMeta | null = null;
  // One of each per realm: they hold no state, every operation belongs to the running call.
  const kv = createKv();
  const noMcp = createMcp([]);
  const toolCall = createToolCall();
  const noTools = createToolsView(toolCall, undefined);
  const noSql = createSql([]);
  // ctx.progress; its waiting report goes out by a timer of the call's own (setTimeout below).
  const progressChannel = createProgressChannel(
    hostProgressHook === undefined ? undefined : (done, total, message, calls, final) => hostProgressHook(done, total, message, calls, final),
    (callback, ms) => void setTimeout(callback, ms),
  );
  const secret = freeze(
    createSecret(
      () => callMeta?.capabilities?.secrets ?? [],
      () => callMeta?.tool.name ?? 'this tool',
    ),
  );

  /** The console buffer of the call that is running. Calls of one realm never interleave (see below). */
  let current = createConsoleBuffer(0);
  const guestConsole = freeze({
    log: (...a: unknown[]) => current.write('', a),
    info: (...a: unknown[]) => current.write('', a),
    debug: (...a: unknown[]) => current.write('[debug] ', a),
    warn: (...a: unknown[]) => current.write('[warn] ', a),
    error: (...a: unknown[]) => current.write('[error] ', a),
    trace: (...a: unknown[]) => current.write('[trace] ', a),
  });

  /**
   * Calls whose handler returned a thenable: their envelope arrives in the microtask checkpoint
   * that ends the host's call into `enter`, or in one that ends a timer's callback (`fire`);
   * the realm's other host functions answer synchronously. The host reads it with
   * `take(token)`; if it is not there, it waits with `wait(token)` under its wall-clock deadline.
   */
  interface PendingCall {
    envelope: string | undefined;
    promise: Promise<string>;
  }
  const pending = new Map<number, PendingCall>();
  let nextToken = 1;

  /**
   * What the latest entry returned (envelope or token), or null while it runs or when it did
   * not return. isolated-vm ends every host call into the isolate with a microtask checkpoint,
   * then throws to the host the reason of the first promise rejected in it that nobody handled
   * (src/isolate/environment.cc, TaskEpilogue), and the entry's own result is lost. The host
   * reads this with `abandon()` to tell such a throw (the entry returned) from a fault that
   * stopped the entry, and to keep what the call produced. Host-only, and overwritten by the
   * next entry: it carries nothing from one call into another's guest code.
   */
  let lastOutcome: string | number | null = null;

  /**
   * The meta of a call is the same text for every call of a version (the execution id comes
   * apart): parsed once, while the text stays the same. Never handed to guest code.
   */
  let lastMetaJson = '';
  let lastMeta: CallMeta | null = null;
  /** ctx.tools of the version whose meta that is (frozen, stateless: made again only when the meta changes). */
  let lastTools = noTools;
  function metaOf(metaJson: string): CallMeta {
    if (lastMeta === null || metaJson !== lastMetaJson) {
      lastMeta = parse(metaJson) as CallMeta;
      lastMetaJson = metaJson;
      const declared = lastMeta.capabilities?.tools;
      lastTools = declared === undefined ? noTools : createToolsView(toolCall, declared);
    }
    return lastMeta;
  }

  /**
   * Turns a module factory (the tool's compiled code wrapped in a function) into the entry
   * the host calls once per call. The factory runs again on every call: module scope is fresh.
   *
   * The entry answers synchronously when it can: with the envelope (a string) when the handler
   * returned a plain value, or with a token (a number) when it returned a thenable. Either way
   * the host's call is one synchronous entry into the isolate, with no promise crossing.
   *
   * Calls of one realm never interleave: the sandbox process runs one call per isolate at a
   * time (a call waiting for a timer keeps its isolate), and the realm's other host functions
   * (crypto's entropy, URL's parser) answer synchronously. That is why one `current` console
   * buffer is exact.
   */
  function bind(factory: ModuleFactory) {
    // The factory object itself is shared by every call of this version: freeze it, so that
    // `__chameleon_module.cache = ...` (or arguments.callee) cannot carry state between calls.
    freeze(factory);
    freeze((factory as unknown as { prototype: object }).prototype);
    const run = (argsJson: string, metaJson: string, executionId: string): string | Promise<string> => {
      const meta = metaOf(metaJson);
      const out = createConsoleBuffer(meta.maxConsoleChars);
      current = out;
      timers = { callbacks: null };
      beginRequests();
      progressChannel.begin();
      callMeta = meta;

      const module = { exports: {} as unknown };
      let resolved: ReturnType<typeof resolveHandler>;
      forgetThrows();
      try {
        factory.call(module.exports, module, module.exports, requireStub, recordThrow);
        if (meta.probe === true && meta.library === true) return `{"ok":true,"console":${stringify(out.text())},"result":null}`;
        resolved = resolveHandler(module.exports);
      } catch (err) {
        return failureEnvelope(describeSafely(err), out.text());
      }
      if ('problem' in resolved) {
        return failureEnvelope(
          { kind: 'compile', name: 'ModuleError', message: resolved.problem, stack: null, thrown: 'value' },
          out.text(),
        );
      }
      if (meta.probe) return `{"ok":true,"console":${stringify(out.text())},"result":null}`;

      const ctx = freeze({
        persona: meta.persona,
        tool: freeze({ name: meta.tool.name, version: meta.tool.version }),
        executionId,
        log: (...a: unknown[]) => out.write('', a),
        kv,
        secret,
        mcp: meta.capabilities?.mcp === undefined ? noMcp : createMcp(meta.capabilities.mcp),
        tools: lastTools,
        sql: meta.capabilities?.sql === undefined ? noSql : createSql(meta.capabilities.sql),
        progress: progressChannel.progress,
      });
      let value: unknown;
      let then: unknown;
      try {
        // Called bare, not as a method: `this` is undefined as for any plain function, and V8
        // names the frame after the agent's function alone.
        const handler = resolved.handler;
        value = handler(parse(argsJson), ctx);
        // What `await value` would read: a thenable is awaited, anything else is the result.
        if (value !== null && (typeof value === 'object' || typeof value === 'function')) then = (value as { then?: unknown }).then;
      } catch (err) {
        progressChannel.end();
        return failureEnvelope(describeSafely(err), out.text());
      }
      if (typeof then !== 'function') {
        progressChannel.end();
        return serializeResult(value, meta.maxResultChars, out.text());
      }
      const thenable = value;
      return (async () => {
        try {
          const settled = await thenable;
          progressChannel.end();
          return serializeResult(settled, meta.maxResultChars, out.text());
        } catch (err) {
          // end() is once per call: a second one (after a failed serialisation) sends nothing.
          progressChannel.end();
          return failureEnvelope(describeSafely(err), out.text());
        }
      })();
    };
    // The entry never throws and its promises never reject. A rejection or exception is copied
    // to the host by isolated-vm, which reads a guest Error's getters there, outside the CPU
    // limit; whatever slipped past the catches above is replaced by a fixed envelope without
    // being looked at.
    return (argsJson: string, metaJson: string, executionId: string): string | number => {
      lastOutcome = null;
      let outcome: string | Promise<string>;
      try {
        outcome = run(argsJson, metaJson, executionId);
      } catch {
        return (lastOutcome = LAST_RESORT);
      }
      if (typeof outcome === 'string') return (lastOutcome = outcome);
      const token = nextToken++;
      const call: PendingCall = { envelope: undefined, promise: outcome };
      call.promise = outcome.then(
        (envelope) => (call.envelope = typeof envelope === 'string' ? envelope : LAST_RESORT),
        () => (call.envelope = LAST_RESORT),
      );
      pending.set(token, call);
      return (lastOutcome = token);
    };
  }

  /**
   * After the host's entry threw although it may have returned (see `lastOutcome`): the
   * latest entry's envelope, '' when it returned a promise that has not settled (that call is
   * forgotten), or null when the entry did not return (a timeout, say, stopped it).
   */
  function abandon(): string | null {
    const outcome = lastOutcome;
    lastOutcome = null;
    if (outcome === null || typeof outcome === 'string') return outcome;
    const call = pending.get(outcome);
    pending.delete(outcome);
    return call?.envelope ?? '';
  }

  /** The envelope of a pending call if it has settled (and forgets the call), else undefined. */
  function take(token: number): string | undefined {
    const call = pending.get(token);
    if (call?.envelope === undefined) return undefined;
    pending.delete(token);
    return call.envelope;
  }

  /** A promise of the envelope of a pending call (it never rejects). */
  function wait(token: number): Promise<string> | string {
    const call = pending.get(token);
    if (!call) return LAST_RESORT;
    return call.promise.then((envelope) => {
      pending.delete(token);
      return envelope;
    });
  }

  /** Takes the host's callbacks off the global object: from here on only this closure holds them. */
  function takeHostHooks(): HostHooks {
    const take = (name: string): ((...args: never[]) => unknown) => {
      const hook: unknown = (global as unknown as Record<string, unknown>)[name];
      if (typeof hook !== 'function' || !Reflect.deleteProperty(global, name) || name in global) {
        throw new ErrorCtor(`Chameleon prelude: the host did not give the realm ${name}`);
      }
      return hook as (...args: never[]) => unknown;
    };
    const random = take(HOST_HOOK_GLOBALS.random) as (count: number) => unknown;
    const url = take(HOST_HOOK_GLOBALS.url) as (op: string, a: string, b: string, c: string) => unknown;
    return { random: (count) => random(count), url: (op, a, b, c) => url(op, a, b, c) };
  }

  // A listener that throws (EventTarget) is reported in the call's console, as a browser reports it in its own.
  const web = installWebApis(global, takeHostHooks(), {
    reportListenerError: (error) => current.write('[error] Uncaught exception in an event listener: ', [error]),
    setTimeout,
  });
  // Web IDL: fetch is an operation of the global object (enumerable), like atob.
  defineProperty(global, 'fetch', { value: createFetch(web), writable: true, enumerable: true, configurable: true });

  defineProperty(global, 'console', { value: guestConsole, writable: false, configurable: false, enumerable: false });
  defineProperty(global, '__chameleon_bind', { value: bind, writable: false, configurable: false, enumerable: false });
  // Picked up by the host (isolate-cache.ts) and deleted before lockdown: no guest sees them.
  defineProperty(global, '__chameleon_settle', { value: freeze({ take, wait, abandon, fire, deliver }), writable: false, configurable: true, enumerable: false });
  defineProperty(global, 'setTimeout', { value: freeze(setTimeout), writable: false, configurable: false, enumerable: false });
  defineProperty(global, 'clearTimeout', { value: freeze(clearTimeout), writable: false, configurable: false, enumerable: false });
  // Lets the host read what a call printed before it was stopped by its CPU limit.
  defineProperty(global, '__chameleon_console', {
    value: () => current.text(),
    writable: false,
    configurable: false,
    enumerable: false,
  });
})(globalThis);
