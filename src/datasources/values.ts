/**
 * Values across the boundary between JSON (arguments, results) and the engines.
 *
 * Out of an engine: 64-bit integers come back as numbers when they are safe integers
 * (|n| <= 2^53 - 1) and as decimal strings otherwise, so no digit is ever lost (SQLite's
 * INTEGER and PostgreSQL's bigint alike); PostgreSQL's numeric is a decimal string always (it
 * is exact); blobs and bytea are `\x` followed by hex; non-finite floats are the strings
 * `Infinity`, `-Infinity`, `NaN` (JSON has no such numbers); dates and times are the engine's
 * own text.
 *
 * Into an engine: a JSON value binds as itself; booleans bind as 1/0 in SQLite (it has no
 * boolean); objects and arrays bind as their JSON text (for json_each, ->> and the like).
 */

export function toBindable(value: unknown, dialect: 'sqlite' | 'postgres'): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return dialect === 'sqlite' ? (value ? 1n : 0n) : value;
  // A whole number binds as SQLite INTEGER (a JS number would bind as REAL: `LIMIT :n` refuses it).
  if (typeof value === 'number') return dialect === 'sqlite' && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export function fromEngine(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  return value;
}

/**
 * Keeps rows while they fit: at most `maxRows`, and at most `maxBytes` of them as JSON objects
 * keyed by `columns` (UTF-8), as the result will hold them. `rows` is consumed lazily, so a
 * huge result is never read past the first row that does not fit. Values are converted with
 * fromEngine on the way.
 */
export function capRows(rows: Iterable<unknown[]>, columns: readonly string[], maxRows: number, maxBytes: number): { rows: unknown[][]; truncated: 'rows' | 'bytes' | null } {
  const kept: unknown[][] = [];
  // Each row as an object repeats the column names: `"name":` and a comma each.
  const keyBytes = columns.reduce((sum, c) => sum + Buffer.byteLength(JSON.stringify(c)) + 2, 0);
  let bytes = 2;
  for (const raw of rows) {
    if (kept.length >= maxRows) return { rows: kept, truncated: 'rows' };
    const row = raw.map(fromEngine);
    bytes += Buffer.byteLength(JSON.stringify(row)) + keyBytes + 1;
    if (bytes > maxBytes) return { rows: kept, truncated: 'bytes' };
    kept.push(row);
  }
  return { rows: kept, truncated: null };
}
