import ivm from 'isolated-vm';

/**
 * One isolate per tool (isolate key), each with its compiled scripts and a few contexts made
 * ahead of time. Every call gets a context nobody used before: what a call leaves on globals
 * or prototypes dies with its context. Making a context costs ~1 ms, so spares are made off
 * the hot path, right after one is taken.
 */
export interface IsolateEntry {
  readonly key: string;
  readonly isolate: ivm.Isolate;
  readonly memoryMb: number;
  /** Calls currently running in this isolate. */
  inFlight: number;
  lastUsed: number;
  takeContext(): Promise<ivm.Context>;
  script(scriptKey: string, filename: string, compiledJs: string): Promise<ivm.Script>;
  dispose(): void;
}

export interface IsolateCacheOptions {
  preludeSource: string;
  maxIsolates: number;
  maxScriptsPerIsolate: number;
  spareContexts: number;
  onCatastrophicError: (message: string) => void;
}

export function createIsolateCache(options: IsolateCacheOptions) {
  const entries = new Map<string, IsolateEntry>();

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
    const isolate = new ivm.Isolate({ memoryLimit: memoryMb, onCatastrophicError: options.onCatastrophicError });
    const prelude = isolate.compileScriptSync(options.preludeSource, { filename: 'chameleon-prelude.js' });
    const scripts = new Map<string, ivm.Script>();
    const spares: Promise<ivm.Context>[] = [];

    const makeContext = async (): Promise<ivm.Context> => {
      const context = await isolate.createContext();
      await prelude.run(context, { timeout: 1000 });
      return context;
    };
    const refill = (): void => {
      while (!isolate.isDisposed && spares.length < options.spareContexts) {
        const made = makeContext();
        made.catch(() => undefined); // Disposed meanwhile: the taker sees the rejection.
        spares.push(made);
      }
    };

    const entry: IsolateEntry = {
      key,
      isolate,
      memoryMb,
      inFlight: 0,
      lastUsed: Date.now(),
      takeContext() {
        const next = spares.shift() ?? makeContext();
        setImmediate(refill);
        return next;
      },
      async script(scriptKey, filename, compiledJs) {
        const cached = scripts.get(scriptKey);
        if (cached) {
          scripts.delete(scriptKey); // Re-insert: Map order is our LRU order.
          scripts.set(scriptKey, cached);
          return cached;
        }
        // The wrapper takes one line of its own; lineOffset -1 keeps V8's line numbers equal
        // to those of the compiled JS, which is what the source map speaks.
        const wrapped = `__chameleon_bind(function __chameleon_module(module, exports, require) {\n${compiledJs}\n})`;
        const script = await isolate.compileScript(wrapped, { filename, lineOffset: -1 });
        scripts.set(scriptKey, script);
        while (scripts.size > options.maxScriptsPerIsolate) {
          const oldest = scripts.keys().next().value as string;
          scripts.get(oldest)?.release();
          scripts.delete(oldest);
        }
        return script;
      },
      dispose() {
        if (entries.get(key) === entry) entries.delete(key);
        for (const spare of spares.splice(0)) spare.then((c) => c.release()).catch(() => undefined);
        if (!isolate.isDisposed) isolate.dispose();
      },
    };
    entries.set(key, entry);
    refill();
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
    disposeAll(): void {
      for (const entry of [...entries.values()]) entry.dispose();
    },
  };
}

export type IsolateCache = ReturnType<typeof createIsolateCache>;
