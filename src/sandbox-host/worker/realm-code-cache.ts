import type ivm from 'isolated-vm';

/**
 * V8's code caches of the realm's own scripts (the prelude and the lockdown), made by the
 * first isolate of the process that compiles each and reused by every later one, so a new
 * tool's realm deserializes their compiled code instead of parsing and compiling ~120 KB.
 * Measured on these machines (at load): ~3 ms of compiling per realm became ~0.5 ms, more than
 * the Web APIs (sandbox/web/) added to the realm's build.
 *
 * Only our scripts are cached, compiled from the files the process read at start, before any
 * tool code could run in the isolate that compiles them; tool code is never cached here. A
 * cache V8 rejects (another V8 or other flags, which cannot happen within one process) is
 * dropped and made again.
 */
export function createRealmCodeCache() {
  const caches = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();
  return {
    /** Compiles `source` in `isolate`, with its code cache when there is one. */
    async compile(isolate: ivm.Isolate, filename: string, source: string): Promise<ivm.Script> {
      const cachedData = caches.get(filename);
      const script = (await isolate.compileScript(source, cachedData === undefined ? { filename, produceCachedData: true } : { filename, cachedData })) as ivm.Script &
        ivm.CachedDataResult & { cachedDataRejected?: boolean };
      if (cachedData === undefined && script.cachedData !== undefined) caches.set(filename, script.cachedData);
      if (cachedData !== undefined && script.cachedDataRejected === true) caches.delete(filename);
      return script;
    },
  };
}

export type RealmCodeCache = ReturnType<typeof createRealmCodeCache>;
