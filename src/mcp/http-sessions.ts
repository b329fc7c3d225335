/**
 * The HTTP sessions of one server and the rules for admitting new ones.
 *
 * It used to be an LRU of 64: 200 bare `initialize` requests from any local client pushed every
 * other client out, and their next call got "Session not found" (issue 12, item 4). Now:
 * - a session expires only when idle (no request and no open stream) for `idleMs`;
 * - a new session never evicts one that has not expired: it is refused with 503 and the time
 *   at which the first idle session will expire (Retry-After);
 * - one remote address holds at most `maxPerClient` sessions (429), so one client alone cannot
 *   take every place. On loopback every local client shares 127.0.0.1: this bound then only
 *   keeps a place for clients on other addresses, the limit and the expiry do the rest.
 */
export interface SessionLimits {
  maxSessions: number;
  maxPerClient: number;
  idleMs: number;
}

export interface TrackedSession {
  /** The remote address that opened it. */
  client: string;
  /** When its last request ended (or began, while none is open). */
  lastSeen: number;
  /** Requests in progress, open GET streams included: while > 0 it is in use. */
  open: number;
}

export interface Refusal {
  status: 429 | 503;
  retryAfterSeconds: number;
  message: string;
}

export interface SessionTable<S extends TrackedSession> {
  /** The session, marked as seen now. */
  get(id: string): S | undefined;
  add(id: string, session: S): void;
  /** Removes the entry if it is still this session. */
  remove(id: string, session: S): void;
  size(): number;
  entries(): Array<[string, S]>;
  /** Sessions idle for idleMs or more: the caller closes them. */
  expired(): Array<[string, S]>;
  /** Holds a place for a session about to be opened by `client`, or says why not. */
  reserve(client: string): { release(): void } | Refusal;
}

export function createSessionTable<S extends TrackedSession>(limits: SessionLimits, now: () => number = Date.now): SessionTable<S> {
  const sessions = new Map<string, S>();
  // Places held by initialize requests in progress: 200 sent at once must not all pass the
  // check before the first is registered.
  const opening = new Map<string, number>();
  let openingTotal = 0;

  const isIdle = (s: S) => s.open === 0;
  /** Seconds until the first of these sessions expires (idleMs when all are in use). */
  const secondsUntilExpiry = (candidates: Iterable<S>) => {
    let soonest = limits.idleMs;
    for (const s of candidates) if (isIdle(s)) soonest = Math.min(soonest, s.lastSeen + limits.idleMs - now());
    return Math.max(1, Math.ceil(soonest / 1000));
  };

  return {
    get(id) {
      const session = sessions.get(id);
      if (session) session.lastSeen = now();
      return session;
    },
    add: (id, session) => void sessions.set(id, session),
    remove(id, session) {
      if (sessions.get(id) === session) sessions.delete(id);
    },
    size: () => sessions.size,
    entries: () => [...sessions],
    expired: () => [...sessions].filter(([, s]) => isIdle(s) && now() - s.lastSeen >= limits.idleMs),
    reserve(client) {
      const own = [...sessions.values()].filter((s) => s.client === client);
      if (own.length + (opening.get(client) ?? 0) >= limits.maxPerClient) {
        const retryAfterSeconds = secondsUntilExpiry(own);
        return {
          status: 429,
          retryAfterSeconds,
          message: `Too many sessions from this client: at most ${limits.maxPerClient} at once. End sessions you no longer use (DELETE /mcp with their Mcp-Session-Id), or retry after ${retryAfterSeconds} s, when an idle one expires.`,
        };
      }
      if (sessions.size + openingTotal >= limits.maxSessions) {
        const retryAfterSeconds = secondsUntilExpiry(sessions.values());
        return {
          status: 503,
          retryAfterSeconds,
          message: `The server is at its session limit (${limits.maxSessions} sessions, all in use); no session is closed to make room. Retry after ${retryAfterSeconds} s, when an idle one expires.`,
        };
      }
      opening.set(client, (opening.get(client) ?? 0) + 1);
      openingTotal++;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          openingTotal--;
          const left = (opening.get(client) ?? 1) - 1;
          if (left > 0) opening.set(client, left);
          else opening.delete(client);
        },
      };
    },
  };
}
