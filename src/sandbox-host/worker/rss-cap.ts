/**
 * The resident-memory check both samplers of rss-watchdog.ts make: the watchdog thread, and the
 * sandbox process's main thread until that thread is up.
 */
import fs from 'node:fs';

const MB = 1024 * 1024;

/** Why the process must die, or null while `rss` stays `marginBytes` below `capBytes` (0 = no cap). */
export function overRssCap(rss: number, capBytes: number, marginBytes: number): string | null {
  if (capBytes <= 0 || rss <= capBytes - marginBytes) return null;
  return `resident memory ${Math.round(rss / MB)} MB came within ${marginBytes / MB} MB of the cap of ${Math.round(capBytes / MB)} MB`;
}

/**
 * A synchronous line on stderr tells the supervisor why, then SIGKILL: process.exit() can hang
 * while an isolate thread is stuck (NOTES.md).
 */
export function dieWithLine(line: string): never {
  try {
    fs.writeSync(2, line);
  } catch {
    /* nothing left to tell */
  }
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}
