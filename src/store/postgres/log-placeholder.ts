/**
 * Stand-ins for the execution log, kv, failure groups and retention on PostgreSQL, whose real
 * stores are written apart (executions.ts, kv.ts, failure-groups.ts, retention.ts): until they
 * are assembled in index.ts, each method fails with STORE_FAILURE saying so, never silently.
 */
import { AppError } from '../../errors.js';

export function logStoreMissing<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      // Not `then`: the object must not look like a promise to `await`.
      if (typeof property !== 'string' || property === 'then') return undefined;
      return () => Promise.reject(new AppError('STORE_FAILURE', `The PostgreSQL store of this build has no ${what} (${property}): use a SQLite --db for now.`));
    },
  });
}
