import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logger.js';
import type { ProgressSink } from '../service/index.js';

/** The progress of one tools/call request. */
export interface RequestProgress {
  /** What the service calls for each report of the call. */
  sink: ProgressSink;
  /** Resolves when the response may follow the last notification (see below); undefined when none was sent. */
  settled(): Promise<void> | undefined;
}

/**
 * How long after the last notification the response may go (see below). Measured over stdio
 * with the SDK client, a report 0-5 ms before the result: the last notification was lost in 24
 * of 100 calls with no gap, 15 with one event-loop turn, 2 with 2 ms, 0 with 5 ms, and 1 in
 * 300 with 10 ms at a load average of 17. Only a call that sent a notification less than this
 * before its end waits, and by no more than this.
 */
export const RESPONSE_GAP_MS = 10;

/**
 * Where a tool call's ctx.progress goes: `notifications/progress` with the progressToken the
 * client put in the request's `_meta`, sent through the request's own `sendNotification` (so
 * over Streamable HTTP it travels on that request's stream). None when the request carried no
 * token: MCP sends progress only to a client that asked for it, and the call then only counts.
 *
 * The SDK writes a notification synchronously, so every report is on the wire before the
 * response. That is not enough for the SDK's own client (v1.32): it handles a notification a
 * microtask after reading it but a response at once, so when both come in one read the
 * response retires the token first and the last notification is lost as "unknown token"
 * (typescript-sdk issue #2580). `settled()` lets the caller hold the response back a little
 * after a notification, so that the two usually arrive in separate reads.
 */
export function requestProgress(extra: Pick<RequestHandlerExtra<ServerRequest, ServerNotification>, '_meta' | 'sendNotification'>, logger: Logger): RequestProgress | undefined {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  let lastSentAt: number | null = null;
  return {
    sink: (progress, total, message) => {
      const params = { progressToken, progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) };
      lastSentAt = performance.now();
      extra.sendNotification({ method: 'notifications/progress', params }).catch((err: unknown) => logger.debug('could not send notifications/progress', { error: String(err) }));
    },
    settled: () => {
      if (lastSentAt === null) return undefined;
      const wait = RESPONSE_GAP_MS - (performance.now() - lastSentAt);
      return new Promise((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
    },
  };
}
