/**
 * guard() for PostgreSQL: any failure that is not an AppError becomes STORE_FAILURE with advice
 * by SQLSTATE (or Node's errno for a connection that could not be made), as ../guard.ts does for
 * SQLite's codes. Advice says whether retrying helps.
 */
import { AppError, isAppError } from '../../errors.js';

export function pgGuard<A extends unknown[], R>(action: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (error) {
      throw toPgStoreError(action, error);
    }
  };
}

export function toPgStoreError(action: string, error: unknown): AppError {
  if (isAppError(error)) return error;
  const code = codeOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  return new AppError('STORE_FAILURE', `The tool store (PostgreSQL) could not ${action}: ${detail}${code === null ? '' : ` (${code})`}. ${pgAdvice(code)}`, { cause: error });
}

/** The advice for a SQLSTATE (five characters; the first two are its class) or errno name. */
export function pgAdvice(code: string | null): string {
  if (code === null) return 'This is a fault on the server, not in your request; the server log has the details.';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code) || code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code)) {
    return 'The PostgreSQL server could not be reached or closed the connection (restart, failover, network). This is usually transient: retry in a few seconds; if it persists, check that the server in --db is up and reachable.';
  }
  if (code === '40001' || code === '40P01' || code === '55P03' || code === '57014') {
    return 'The database gave up on this statement because of a conflict with another transaction or a timeout. This is transient: retry.';
  }
  if (code === '53100') return 'The disk holding the PostgreSQL data is full. Retrying will not help until space is freed on the database server.';
  if (code === '53300') return 'The PostgreSQL server has no connection left. Retry later, or raise max_connections or lower the number of replicas.';
  if (code.startsWith('53')) return 'The PostgreSQL server is short of resources (memory). Retry later; if it persists, check the database server.';
  if (code.startsWith('28') || code === '42501') return 'The database role in --db may not do this. Grant it the rights on Chameleon\'s tables (or use the role that created them). Retrying will not help until then.';
  if (code.startsWith('23')) return 'The database refused a write that would break its consistency. Retrying the same request will not help: this is a bug or a hand-edited table; report it with the server log.';
  if (code === '3D000') return 'The database named in --db does not exist. Create it (createdb) or fix the URL.';
  return 'This is a fault on the server, not in your request; the server log has the details.';
}

function codeOf(error: unknown): string | null {
  const code = error !== null && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : null;
}
