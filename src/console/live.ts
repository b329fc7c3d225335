/**
 * Live updates of the executions page: Server-Sent Events. One watcher per console polls the
 * store's newest seq (MAX(seq), an index probe) every POLL_MS while anyone listens; that sees
 * rows written by any process on the same file, which a notification inside this process would
 * not. When it moves, each stream reads the rows after its own last seq that match its filters
 * and sends them rendered (escaped here, like every page), and the script inserts them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { personasFor, showsPersonas, type ConsoleContext } from './context.js';
import { parseFilters } from './filters.js';
import { executionRow } from './pages/execution-row.js';

export const POLL_MS = 500;
/** Streams open at once per console; past it a new one gets 503 (the page still works, without live rows). */
export const MAX_STREAMS = 32;
/** Rows sent per wake-up at most; a burst larger than this arrives over the next wake-ups. */
const MAX_ROWS_PER_EVENT = 100;
/** A comment line now and then keeps proxies and idle timeouts from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

export interface LiveUpdates {
  stream(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void;
  /** Open streams. */
  count(): number;
  close(): void;
}

export function createLiveUpdates(ctx: ConsoleContext): LiveUpdates {
  const listeners = new Set<(newest: number) => void>();
  let timer: NodeJS.Timeout | null = null;
  let last = -1;

  const tick = () => {
    let newest: number;
    try {
      newest = ctx.store.console.newestSeq();
    } catch {
      return; // a locked or closing store: try again next tick
    }
    if (newest === last) return;
    last = newest;
    for (const listener of listeners) listener(newest);
  };
  const start = () => {
    if (timer === null) timer = setInterval(tick, POLL_MS);
  };
  const stopIfIdle = () => {
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
      last = -1;
    }
  };

  return {
    stream(_ctx, req, res, query) {
      if (listeners.size >= MAX_STREAMS) {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '30' });
        res.end(`At most ${MAX_STREAMS} live streams at once; reload later for live updates.`);
        return;
      }
      const parsed = parseFilters(query, ctx.now());
      const filter = { ...parsed.filter, personas: personasFor(ctx, query) };
      // Reconnecting, EventSource sends the id of the last event it received.
      const resumeFrom = Number(req.headers['last-event-id'] ?? query.get('after') ?? NaN);
      let after = Number.isSafeInteger(resumeFrom) && resumeFrom >= 0 ? resumeFrom : ctx.store.console.newestSeq();
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
      res.write(`retry: 2000\n\n`);
      const send = (newest: number) => {
        // A burst larger than one event's rows goes out as several events.
        while (newest > after && !res.destroyed) {
          let rows;
          try {
            rows = ctx.store.console.after(filter, after, MAX_ROWS_PER_EVENT);
          } catch {
            return; // a locked store: the next change tries again
          }
          const full = rows.length === MAX_ROWS_PER_EVENT;
          // Rows that do not match still move the stream on: they never will.
          after = full ? rows[rows.length - 1]!.seq : newest;
          if (rows.length === 0) return;
          const payload = JSON.stringify({ rows: rows.map((r) => executionRow(ctx.base, r, showsPersonas(ctx.scope)).text) });
          res.write(`id: ${after}\nevent: rows\ndata: ${payload}\n\n`);
        }
      };
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      listeners.add(send);
      start();
      send(ctx.store.console.newestSeq());
      res.once('close', () => {
        clearInterval(keepalive);
        listeners.delete(send);
        stopIfIdle();
      });
    },
    count: () => listeners.size,
    close() {
      listeners.clear();
      stopIfIdle();
    },
  };
}
