/** The hours (or days) of a window, oldest first, as the timestamp prefixes the log groups by. */
export function bucketKeys(nowMs: number, count: number, size: 'hour' | 'day'): string[] {
  const step = size === 'hour' ? 3_600_000 : 86_400_000;
  const chars = size === 'hour' ? 13 : 10;
  const keys: string[] = [];
  for (let i = count - 1; i >= 0; i--) keys.push(new Date(nowMs - i * step).toISOString().slice(0, chars));
  return keys;
}

/** The start of the oldest bucket, as an ISO timestamp (the query's `since`). */
export function windowStart(nowMs: number, count: number, size: 'hour' | 'day'): string {
  const first = bucketKeys(nowMs, count, size)[0]!;
  return size === 'hour' ? `${first}:00:00.000Z` : `${first}T00:00:00.000Z`;
}
