/**
 * The server's side of `ctx.progress`: what reaches a client. The sandbox process already
 * rate-limits and bounds the reports of a call (src/sandbox-host/worker/guest-progress.ts);
 * it is untrusted all the same, so the bound per call and MCP's rule that `progress` increases
 * with each notification are kept here again before the MCP layer's sink sends anything.
 *
 * Only a call an agent made has a sink. A tool called by another (ctx.tools) counts its own
 * ctx.progress in its log row and sends nothing: its `done`/`total` measure its own work, not
 * the caller's, and mixed into the caller's token they would break the caller's monotonic
 * sequence and mean nothing to the client.
 */

/** Sends one `notifications/progress` for the request that made the call (the MCP layer makes it). */
export type ProgressSink = (progress: number, total: number | undefined, message: string | undefined) => void;

/** The most notifications one call sends (the sandbox process's bound is the same). */
export const MAX_PROGRESS_NOTIFICATIONS = 1_000;

export function progressRelay(sink: ProgressSink): ProgressSink {
  let sent = 0;
  let highest = -Infinity;
  return (progress, total, message) => {
    if (sent >= MAX_PROGRESS_NOTIFICATIONS || !(progress > highest)) return;
    highest = progress;
    sent++;
    sink(progress, total, message);
  };
}
