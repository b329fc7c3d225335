import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Writable } from 'node:stream';

export const DIAGNOSTICS_PREFIX = '[chameleon] diagnostics: ';

/**
 * With CHAMELEON_DIAGNOSTICS=1, `serve` writes one line to stderr every `intervalMs` with the
 * worst event-loop delay since the previous line and the server's resident memory. The
 * security suite reads these to check that no attack stalls the server or bloats it.
 */
export function startDiagnostics(stderr: Writable, intervalMs = 200): () => void {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const timer = setInterval(() => {
    const line = { eventLoopMaxMs: Math.round(histogram.max / 1e5) / 10, rssBytes: process.memoryUsage.rss() };
    histogram.reset();
    stderr.write(`${DIAGNOSTICS_PREFIX}${JSON.stringify(line)}\n`);
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    histogram.disable();
  };
}
