/**
 * The SQLite store behind the asynchronous contract (contract.ts). Each method runs as it
 * always did, synchronously and to its end inside the call, and hands back a settled promise:
 * a thrown error becomes a rejection. Nothing is deferred to a later turn, so a write is
 * committed before its promise exists, and SQLite keeps its speed (one resolved promise per call).
 */
import type { Store } from './index.js';
import type { Promised, StoreContract } from './contract.js';

export function sqliteContract(store: Store): StoreContract {
  return {
    kind: 'sqlite',
    location: store.path,
    tools: promised(store.tools),
    executions: promised(store.executions),
    failureGroups: promised(store.failureGroups),
    kv: promised(store.kv),
    retention: promised(store.retention),
    diagnostics: promised(store.diagnostics),
    // One process per file has no channel to hear of another's writes; it reads them per call.
    onToolChange: () => () => {},
    close: () => {
      store.close();
      return Promise.resolve();
    },
  };
}

/** `target` with each of its methods answering by promise; its other properties as they are. */
export function promised<T extends object>(target: T): Promised<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target)) {
    out[key] = typeof value === 'function' ? settle(target, value as (...args: unknown[]) => unknown) : value;
  }
  return out as Promised<T>;
}

function settle(self: object, method: (...args: unknown[]) => unknown): (...args: unknown[]) => Promise<unknown> {
  return (...args) => {
    try {
      return Promise.resolve(method.apply(self, args));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
}
