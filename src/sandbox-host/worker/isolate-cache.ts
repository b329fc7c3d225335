import ivm from 'isolated-vm';
import { MODULE_PARAMETERS } from '../../compiler/module-wrapper.js';
import { createGuestProgress, type GuestProgress } from './guest-progress.js';
import { createGuestRequests, type GuestRequests } from './guest-requests.js';
import { createGuestTimers, type GuestTimers } from './guest-timers.js';
import { createRealmCodeCache, type RealmCodeCache } from './realm-code-cache.js';
import { installRealmHooks } from './realm-hooks.js';
import { sendProgress } from './request-routing.js';
import { warmUpRealm } from './warm-up.js';

/**
 * One isolate per tool (isolate key), each with ONE hardened realm: the prelude, then
 * lockdown (sandbox/lockdown.ts) freezes every object the realm can reach, so no call can
 * leave state for the next, and each call re-evaluates the module body. This replaces a
 * fresh context per call (~1 ms each, ~200x a warm call) with a warm synchronous entry.
 *
 * A new tool does not wait for its realm: one spare isolate, already hardened, is kept ready
 * (made while the process is idle, its realm on isolated-vm's own threads) and handed to the
 * next key that needs an isolate. Per tool version we keep the compiled script and a Reference to its entry.
 */
export interface IsolateEntry {
  readonly key: string;
  readonly isolate: ivm.Isolate;
  readonly memoryMb: number;
  /** Calls currently running in this isolate: count one in with `inFlight++`, out with done(). */
  inFlight: number;
  /** One call (or load) is out; versions evicted while calls ran are released once none does. */
  done(): void;
  lastUsed: number;
  /** The hardened realm (made once per isolate, or taken ready from the spare). */
  realm(): Promise<Realm>;
  /** The realm, if it is ready now. */
  readyRealm(): Realm | null;
  /** The entry function of one tool version, compiled and bound on first use. */
  entry(scriptKey: string, filename: string, compiledJs: string | undefined): Promise<ivm.Reference<EntryFunction>>;
  /** The entry of a version that is compiled and bound already, or null. */
  readyEntry(scriptKey: string): ivm.Reference<EntryFunction> | null;
  /**
   * Compiles and binds a version now, on this thread, when that is cheap and cannot wait on
   * another call: the realm is ready, no call runs in this isolate, and the code is small.
   * Null when it cannot (the caller takes the async `entry`). Runs no guest code.
   */
  bindNow(scriptKey: string, filename: string, compiledJs: string | undefined): ivm.Reference<EntryFunction> | null;
  dispose(): void;
}

/** The supervisor sent a job without code for a script this isolate does not have. */
export class NeedCodeError extends Error {
  constructor(readonly scriptKey: string) {
    super(`no script ${scriptKey}`);
  }
}

/** Returns the envelope, or a token whose envelope `take`/`wait` deliver (sandbox/prelude.ts). */
export type EntryFunction = (argsJson: string, metaJson: string, executionId: string) => string | number;

/** A hardened context and the prelude's hooks for calls that returned a promise. */
export interface Realm {
  context: ivm.Context;
  take: ivm.Reference<(token: number) => string | undefined>;
  wait: ivm.Reference<(token: number) => Promise<string> | string>;
  /** After an entry threw: what it had produced, if it returned (see unhandled-rejection.ts). */
  abandon: ivm.Reference<() => string | null>;
  /** Runs the callback of timer `id` of the running call (guest-timers.ts). */
  fire: ivm.Reference<(id: number) => void>;
  timers: GuestTimers;
  /** Hands the server's answer to request `requestId` of the running call to the prelude (guest-requests.ts). */
  deliver: ivm.Reference<(requestId: number, ok: boolean, body: string) => void>;
  requests: GuestRequests;
  /** The running call's ctx.progress: counted, and sent when its request asked (guest-progress.ts). */
  progress: GuestProgress;
}

export interface IsolateCacheOptions {
  /** Run in each new context before any tool code: the prelude, then lockdown. */
  realmSources: { prelude: RealmSource; lockdown: RealmSource };
  maxIsolates: number;
  maxVersionsPerIsolate: number;
  /** Memory limit of the first spare isolate; later spares take the limit last asked for. */
  spareMemoryMb: number;
  onCatastrophicError: (message: string) => void;
}

export interface RealmSource {
  filename: string;
  source: string;
}

/** An isolate made ahead of need; `ready` is set once its realm is built, so a new tool takes it synchronously. */
interface Spare {
  isolate: ivm.Isolate;
  memoryMb: number;
  realm: Promise<Realm>;
  ready: Realm | null;
}

interface VersionEntry {
  script: ivm.Script;
  entry: ivm.Reference<EntryFunction>;
}

const SETTLE_GLOBAL = '__chameleon_settle';
const TIMER_GLOBAL = '__chameleon_timer';
const REQUEST_GLOBAL = '__chameleon_host_request';
const PROGRESS_GLOBAL = '__chameleon_progress';

/**
 * Up to this much compiled JS is compiled on the sandbox process's own thread (V8 pre-parses
 * it in well under a millisecond); bigger code goes to isolated-vm's thread pool, so a large
 * tool never holds the thread that other tools' calls need.
 */
const SYNC_COMPILE_MAX_CHARS = 64 * 1024;

/**
 * The tool's compiled code inside the wrapper the prelude binds. The wrapper takes one line of
 * its own; lineOffset -1 keeps V8's line numbers equal to those of the compiled JS, which is
 * what the source map speaks. The function's name lets tracebacks show top-level frames as
 * <module>.
 */
function wrapModule(compiledJs: string): string {
  return `__chameleon_bind(function __chameleon_module(${MODULE_PARAMETERS}) {\n${compiledJs}\n})`;
}

/**
 * Builds the hardened realm on isolated-vm's threads (async calls), so the sandbox process's
 * main thread stays free for calls while a spare is made.
 */
async function buildRealm(isolate: ivm.Isolate, sources: IsolateCacheOptions['realmSources'], codeCache: RealmCodeCache): Promise<Realm> {
  const context = await isolate.createContext();
  // The prelude takes the timer hook and the Web APIs' callbacks, and deletes them from the
  // global before any other code runs.
  const timers = createGuestTimers();
  await context.global.set(TIMER_GLOBAL, timers.hook);
  const requests = createGuestRequests(timers);
  await context.global.set(REQUEST_GLOBAL, requests.hook);
  const progress = createGuestProgress(sendProgress);
  await context.global.set(PROGRESS_GLOBAL, progress.hook);
  await installRealmHooks(context);
  await runSource(isolate, context, sources.prelude, codeCache);
  // The prelude's take/wait/abandon/fire/deliver: held by the host only, gone from the global before lockdown.
  const hooks = (await context.global.get(SETTLE_GLOBAL, { reference: true })) as ivm.Reference<Record<'take' | 'wait' | 'abandon' | 'fire' | 'deliver', unknown>>;
  const take = (await hooks.get('take', { reference: true })) as Realm['take'];
  const wait = (await hooks.get('wait', { reference: true })) as Realm['wait'];
  const abandon = (await hooks.get('abandon', { reference: true })) as Realm['abandon'];
  const fire = (await hooks.get('fire', { reference: true })) as Realm['fire'];
  const deliver = (await hooks.get('deliver', { reference: true })) as Realm['deliver'];
  hooks.release();
  await context.global.delete(SETTLE_GLOBAL);
  await runSource(isolate, context, sources.lockdown, codeCache);
  return { context, take, wait, abandon, fire, timers, deliver, requests, progress };
}

async function runSource(isolate: ivm.Isolate, context: ivm.Context, { filename, source }: RealmSource, codeCache: RealmCodeCache): Promise<void> {
  const script = await codeCache.compile(isolate, filename, source);
  await script.run(context, { timeout: 2_000 });
  script.release();
}

export function createIsolateCache(options: IsolateCacheOptions) {
  const entries = new Map<string, IsolateEntry>();
  const codeCache = createRealmCodeCache();
  let spare: Spare | null = null;
  let spareMemoryMb = options.spareMemoryMb;
  let closed = false;

  function newIsolate(memoryMb: number): ivm.Isolate {
    return new ivm.Isolate({ memoryLimit: memoryMb, onCatastrophicError: options.onCatastrophicError });
  }

  function makeSpare(): void {
    if (closed || spare !== null) return;
    const isolate = newIsolate(spareMemoryMb);
    const realm = buildRealm(isolate, options.realmSources, codeCache);
    const made: Spare = { isolate, memoryMb: spareMemoryMb, realm, ready: null };
    const discard = (): void => {
      if (spare === made) spare = null;
      if (!isolate.isDisposed) isolate.dispose();
    };
    realm.then((built) => {
      if (isolate.isDisposed) return;
      // Synchronous, so only while no call runs here (a few hundred us of this thread).
      if (!callsRunning()) {
        try {
          warmUpRealm(isolate, built);
        } catch {
          discard(); // A realm that cannot run a trivial tool serves no tool.
          return;
        }
      }
      made.ready = built;
    }, discard);
    spare = made;
  }

  function callsRunning(): boolean {
    for (const entry of entries.values()) if (entry.inFlight > 0) return true;
    return false;
  }

  function evictIdle(): void {
    if (entries.size < options.maxIsolates) return;
    const idle = [...entries.values()].filter((e) => e.inFlight === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of idle) {
      if (entries.size < options.maxIsolates) break;
      entry.dispose();
    }
  }

  function create(key: string, memoryMb: number): IsolateEntry {
    evictIdle();
    let isolate: ivm.Isolate;
    let realmReady: Promise<Realm>;
    let realmNow: Realm | null = null;
    if (spare !== null && spare.memoryMb === memoryMb && !spare.isolate.isDisposed) {
      ({ isolate, realm: realmReady, ready: realmNow } = spare);
      spare = null;
    } else {
      isolate = newIsolate(memoryMb);
      realmReady = buildRealm(isolate, options.realmSources, codeCache);
    }
    spareMemoryMb = memoryMb;
    realmReady.catch(() => undefined); // Disposed meanwhile: callers see the rejection.
    if (realmNow === null) void realmReady.then((r) => (realmNow = r), () => undefined);

    const versions = new Map<string, Promise<VersionEntry>>();
    const readyVersions = new Map<string, VersionEntry>();
    const releaseNow = (version: Promise<VersionEntry>): void => {
      version
        .then(({ script, entry }) => {
          entry.release();
          script.release();
        })
        .catch(() => undefined);
    };
    /**
     * Versions evicted while calls ran here. Any of those calls may be running one of them, or
     * waiting for it to load: released only once the isolate is idle. Releasing at once made
     * valid updates and calls fail as `internal` when more versions were in flight than the
     * isolate keeps (issue 12).
     */
    const retired: Array<Promise<VersionEntry>> = [];
    const release = (scriptKey: string, version: Promise<VersionEntry>): void => {
      readyVersions.delete(scriptKey);
      if (entry.inFlight > 0) retired.push(version);
      else releaseNow(version);
    };
    const releaseRetired = (): void => {
      // Checked again a turn later: a load that just finished hands its version to a call in
      // the next microtask, which counts itself in before this runs.
      if (entry.inFlight === 0 && !isolate.isDisposed) for (const version of retired.splice(0)) releaseNow(version);
    };

    /** Keeps a version (Map order is the LRU order) and releases the oldest past the bound. */
    const remember = (scriptKey: string, version: Promise<VersionEntry>): void => {
      versions.set(scriptKey, version);
      while (versions.size > options.maxVersionsPerIsolate) {
        const oldest = versions.keys().next().value as string;
        release(oldest, versions.get(oldest)!);
        versions.delete(oldest);
      }
    };

    const entry: IsolateEntry = {
      key,
      isolate,
      memoryMb,
      inFlight: 0,
      done() {
        entry.inFlight--;
        if (entry.inFlight === 0 && retired.length > 0) setImmediate(releaseRetired);
      },
      lastUsed: Date.now(),
      realm: () => realmReady,
      readyRealm: () => realmNow,
      readyEntry(scriptKey) {
        const version = readyVersions.get(scriptKey);
        if (!version) return null;
        const cached = versions.get(scriptKey)!;
        versions.delete(scriptKey); // Re-insert: Map order is our LRU order.
        versions.set(scriptKey, cached);
        return version.entry;
      },
      entry(scriptKey, filename, compiledJs) {
        const cached = versions.get(scriptKey);
        if (cached) {
          versions.delete(scriptKey); // Re-insert: Map order is our LRU order.
          versions.set(scriptKey, cached);
          return cached.then((v) => v.entry);
        }
        if (compiledJs === undefined) return Promise.reject(new NeedCodeError(scriptKey));
        const made = (async (): Promise<VersionEntry> => {
          const { context } = await realmReady;
          const script = await isolate.compileScript(wrapModule(compiledJs), { filename, lineOffset: -1 });
          const bound = (await script.run(context, { reference: true, timeout: 1_000 })) as ivm.Reference<EntryFunction>;
          return { script, entry: bound };
        })();
        made.then(
          (version) => versions.get(scriptKey) === made && readyVersions.set(scriptKey, version),
          () => versions.get(scriptKey) === made && versions.delete(scriptKey),
        );
        remember(scriptKey, made);
        return made.then((v) => v.entry);
      },
      bindNow(scriptKey, filename, compiledJs) {
        if (realmNow === null || entry.inFlight > 0 || versions.has(scriptKey)) return null;
        if (compiledJs === undefined) throw new NeedCodeError(scriptKey);
        if (compiledJs.length > SYNC_COMPILE_MAX_CHARS) return null;
        const script = isolate.compileScriptSync(wrapModule(compiledJs), { filename, lineOffset: -1 });
        let bound: ivm.Reference<EntryFunction>;
        try {
          bound = script.runSync(realmNow.context, { reference: true, timeout: 1_000 }) as ivm.Reference<EntryFunction>;
        } catch (error) {
          script.release();
          throw error;
        }
        const version = { script, entry: bound };
        readyVersions.set(scriptKey, version);
        remember(scriptKey, Promise.resolve(version));
        return bound;
      },
      dispose() {
        if (entries.get(key) === entry) entries.delete(key);
        versions.clear();
        retired.length = 0;
        readyVersions.clear();
        realmNow = null;
        if (!isolate.isDisposed) isolate.dispose();
      },
    };
    entries.set(key, entry);
    return entry;
  }

  return {
    /** The live isolate for `key`, made (or remade with a new memory limit) as needed. */
    get(key: string, memoryMb: number): IsolateEntry {
      let entry = entries.get(key);
      if (entry && (entry.isolate.isDisposed || (entry.memoryMb !== memoryMb && entry.inFlight === 0))) {
        entry.dispose();
        entry = undefined;
      }
      entry ??= create(key, memoryMb);
      entry.lastUsed = Date.now();
      return entry;
    },
    entries(): IsolateEntry[] {
      return [...entries.values()];
    },
    /** Live isolates, the spare included (each holds resident memory). */
    isolateCount(): number {
      return entries.size + (spare === null ? 0 : 1);
    },
    /**
     * Makes a spare if there is none. Called at process start and when the process goes idle:
     * `new Isolate()` blocks this thread for a few ms and the realm's scripts compete for the
     * CPU, which a call that is running should not pay for.
     */
    refillSpare(): void {
      makeSpare();
    },
    disposeAll(): void {
      closed = true;
      for (const entry of [...entries.values()]) entry.dispose();
      if (spare !== null && !spare.isolate.isDisposed) spare.isolate.dispose();
      spare = null;
    },
  };
}

export type IsolateCache = ReturnType<typeof createIsolateCache>;
