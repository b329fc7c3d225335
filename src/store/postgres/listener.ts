/**
 * Tool changes committed by other processes (other replicas, `chameleon tools import`): a
 * dedicated connection LISTENs on the channel every tool write NOTIFYs in its transaction
 * (tools.ts), and calls the store's listeners with `{ persona, name }`. Writes of this store are
 * skipped (their payload carries its own `source`): the server already knows of those.
 *
 * The connection is opened with the first listener, not at start: a one-shot command never
 * needs it. When it drops (the server restarted, the network went away) it is opened again with
 * a growing delay, and the notifications sent meanwhile are lost: so after reconnecting, every
 * tool changed since shortly before the drop (by updated_at) is reported, which may report a
 * change twice but never misses one made by create, update, rollback or delete. close() never
 * waits for this connection longer than CLOSE_WAIT_MS.
 */
import pg from 'pg';

import type { ToolChange } from '../contract.js';
import { TOOLS_CHANNEL } from './tools.js';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;
const CLOSE_WAIT_MS = 1_000;
/** How far before the drop changes are reported again: clocks of replicas are not exactly in step. */
const MISSED_MARGIN_MS = 60_000;

export interface ToolChangeListener {
  subscribe(listener: (change: ToolChange) => void): () => void;
  /** Resolves once the connection subscribed to is listening (or gave up for now): for tests and start-up. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface ListenerOptions {
  clientConfig: pg.ClientConfig;
  /** This store's id: notifications it sent itself are not reported. */
  source: string;
  /** Tools changed since `since` (ISO time), read after a reconnect. */
  changedSince: (since: string) => Promise<ToolChange[]>;
  onError: (message: string, error: unknown) => void;
  clock?: () => number;
}

export function createToolChangeListener(options: ListenerOptions): ToolChangeListener {
  const clock = options.clock ?? Date.now;
  const listeners = new Set<(change: ToolChange) => void>();
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let delay = RECONNECT_MIN_MS;
  /** When the last connection dropped, if it did: changes since then are read after reconnecting. */
  let droppedAt: number | null = null;
  let closed = false;

  const emit = (change: ToolChange) => {
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (error) {
        options.onError('a tool change listener threw', error);
      }
    }
  };

  function onNotification(message: pg.Notification): void {
    if (message.channel !== TOOLS_CHANNEL || message.payload === undefined) return;
    let change: { persona?: unknown; name?: unknown; source?: unknown };
    try {
      change = JSON.parse(message.payload) as typeof change;
    } catch {
      return;
    }
    if (change.source === options.source || typeof change.persona !== 'string' || typeof change.name !== 'string') return;
    emit({ persona: change.persona, name: change.name });
  }

  function dropped(which: pg.Client, error?: unknown): void {
    if (client !== which) return;
    client = null;
    droppedAt ??= clock();
    which.removeAllListeners('notification');
    // Ended or broken: its socket is closed either way; end() only to free what it holds.
    which.end().catch(() => {});
    if (error !== undefined) options.onError('the tool change listener lost its connection; reconnecting', error);
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (closed || retryTimer !== null || listeners.size === 0) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, delay);
    retryTimer.unref();
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  }

  function connect(): Promise<void> {
    connecting ??= (async () => {
      const next = new pg.Client(options.clientConfig);
      next.on('error', (error) => dropped(next, error));
      next.on('end', () => dropped(next));
      next.on('notification', onNotification);
      try {
        await next.connect();
        await next.query(`LISTEN ${TOOLS_CHANNEL}`);
      } catch (error) {
        next.removeAllListeners('notification');
        next.end().catch(() => {});
        options.onError('the tool change listener could not connect; retrying', error);
        droppedAt ??= clock();
        connecting = null;
        scheduleReconnect();
        return;
      }
      connecting = null;
      if (closed) {
        await next.end().catch(() => {});
        return;
      }
      client = next;
      delay = RECONNECT_MIN_MS;
      if (droppedAt !== null) {
        const since = new Date(droppedAt - MISSED_MARGIN_MS).toISOString();
        droppedAt = null;
        try {
          for (const change of await options.changedSince(since)) emit(change);
        } catch (error) {
          options.onError('the tool change listener could not read the changes it missed', error);
        }
      }
    })();
    return connecting;
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (client === null && connecting === null && retryTimer === null && !closed) void connect();
      return () => {
        listeners.delete(listener);
      };
    },
    ready: () => connecting ?? Promise.resolve(),
    async close() {
      closed = true;
      if (retryTimer !== null) clearTimeout(retryTimer);
      retryTimer = null;
      const open = client;
      client = null;
      if (open === null) return;
      open.removeAllListeners('notification');
      // A connection to a server that went away can take long to end: close() does not wait for it.
      await Promise.race([open.end().catch(() => {}), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    },
  };
}
