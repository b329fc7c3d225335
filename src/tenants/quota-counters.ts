/**
 * The quotas of one tenant that no engine check already holds: calls per minute, concurrent
 * calls, log rows and HTTP sessions. One object per tenant, in memory: they bound what one
 * server process lets a tenant do (behind N replicas, N times each, except log rows, read from
 * the shared store). A refusal is an error naming the quota (quota-errors.ts), never a wait in a
 * queue that another tenant would share.
 */
import type { AppError } from '../errors.js';
import type { TenantQuotas } from './schema.js';
import { callsPerMinuteExceeded, concurrentCallsExceeded, httpSessionsExceeded, logRowsExceeded } from './quota-errors.js';

const MINUTE_MS = 60_000;
/** How old the log-row count may be before it is read again (calls since are added to it). */
const LOG_COUNT_MAX_AGE_MS = 1_000;

export interface CallTicket {
  /** The call ended (answered or failed): its concurrent place is free. Safe to call twice. */
  release(): void;
}

export interface SessionPlace {
  release(): void;
}

export interface TenantCounters {
  readonly tenant: string;
  /** Admits one call or throws QUOTA_EXCEEDED (concurrentCalls, then callsPerMinute). */
  startCall(): CallTicket;
  /**
   * The refusal startCall (or checkLogRows, by its last count) would give now, without
   * counting anything: lets the HTTP layer answer a flood before the SDK parses it (mcp/tenants.ts).
   */
  peekRefusal(): AppError | null;
  /** Throws QUOTA_EXCEEDED when the tenant's log holds `quotas.logRows` rows; `count` reads the store. */
  checkLogRows(count: (cap: number) => number | Promise<number>): Promise<void>;
  /** A place for one more HTTP session, or the refusal to answer with (429); `retryAfterSeconds`: until one of the tenant's idle sessions expires. */
  reserveSession(retryAfterSeconds: () => number): SessionPlace | { message: string; retryAfterSeconds: number };
  callsInProgress(): number;
  sessions(): number;
}

export function createTenantCounters(tenant: string, quotas: TenantQuotas, now: () => number = Date.now): TenantCounters {
  let inProgress = 0;
  let sessions = 0;
  // Start times of the last `callsPerMinute` admitted calls, oldest at `next` once full: a call
  // is admitted when the oldest of them is more than a minute old. Exact, and its memory is
  // the quota's, whatever the rate.
  const starts = new Float64Array(quotas.callsPerMinute).fill(-Infinity);
  let next = 0;
  let logCount: { rows: number; at: number } | null = null;
  let callsSinceCount = 0;
  let reading: Promise<void> | null = null;

  const callRefusal = (t: number): AppError | null => {
    if (inProgress >= quotas.concurrentCalls) return concurrentCallsExceeded(tenant, quotas.concurrentCalls);
    const oldest = starts[next]!;
    if (t - oldest < MINUTE_MS) return callsPerMinuteExceeded(tenant, quotas.callsPerMinute, Math.max(1, Math.ceil((oldest + MINUTE_MS - t) / 1000)));
    return null;
  };
  const logRefusal = (): AppError | null =>
    quotas.logRows !== undefined && logCount !== null && logCount.rows + callsSinceCount >= quotas.logRows && now() - logCount.at < LOG_COUNT_MAX_AGE_MS
      ? logRowsExceeded(tenant, quotas.logRows)
      : null;

  return {
    tenant,
    peekRefusal: () => logRefusal() ?? callRefusal(now()),
    startCall() {
      const t = now();
      const refused = callRefusal(t);
      if (refused !== null) throw refused;
      starts[next] = t;
      next = (next + 1) % starts.length;
      inProgress++;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          inProgress--;
        },
      };
    },
    async checkLogRows(count) {
      const limit = quotas.logRows;
      if (limit === undefined) return;
      // Read at most once a second, however many calls come (and however many are refused);
      // between reads each admitted call counts as one row (calls tools make of other tools add
      // rows the next read sees). Retention deleting rows is seen at the next read.
      // One read at a time, shared by the calls that find the count stale. Calls running when it
      // starts may not have written their rows yet: they count as rows (a quota errs towards
      // refusing); calls admitted while it runs stay counted after it.
      if (logCount === null || now() - logCount.at >= LOG_COUNT_MAX_AGE_MS) {
        reading ??= (async () => {
          const at = now();
          const admittedBefore = callsSinceCount;
          const running = inProgress;
          try {
            const rows = await count(limit);
            logCount = { rows: rows + running, at };
            callsSinceCount -= admittedBefore;
          } finally {
            reading = null;
          }
        })();
        await reading;
      }
      // Checked and counted in one step, so calls waiting on the same read cannot all pass it.
      if (logCount !== null && logCount.rows + callsSinceCount >= limit) throw logRowsExceeded(tenant, limit);
      callsSinceCount++;
    },
    reserveSession(retryAfterSeconds) {
      if (sessions >= quotas.httpSessions) {
        const seconds = retryAfterSeconds();
        return { message: httpSessionsExceeded(tenant, quotas.httpSessions, seconds), retryAfterSeconds: seconds };
      }
      sessions++;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          sessions--;
        },
      };
    },
    callsInProgress: () => inProgress,
    sessions: () => sessions,
  };
}
