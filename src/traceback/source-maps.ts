/**
 * Parsed source maps, kept between calls.
 *
 * Parsing is the expensive part: on a 48 kB esbuild map, `new SourceMapConsumer(json)` plus the
 * first lookup (which decodes the mappings in WebAssembly) costs about 1 ms, a lookup on an
 * already parsed consumer about 0.01 ms. A failing tool is often called again and again while
 * the agent debugs it, so consumers are cached, bounded by an LRU because each one holds
 * WebAssembly memory that is only released by `destroy()`.
 *
 * The cache is made and owned by whoever wires the application together (no module-level
 * state); `clear()` releases everything.
 */
import { SourceMapConsumer } from 'source-map';

import type { OneBasedLine, ZeroBasedColumn } from './positions.js';
import { oneBasedLine, zeroBasedColumn } from './positions.js';

/** Where a generated position came from, in `source-map`'s own bases. */
export interface OriginalPosition {
  line1: OneBasedLine;
  column0: ZeroBasedColumn;
  /** The original identifier at this position when the map names it (renamed identifiers). */
  name: string | null;
}

export interface SourceMapCacheOptions {
  /** How many parsed maps to keep; default 200. */
  maxEntries?: number;
}

export const DEFAULT_MAX_SOURCE_MAPS = 200;

type Consumer = Awaited<ReturnType<typeof createConsumer>>;

interface Entry {
  consumer: Promise<Consumer | null>;
  /** Lookups currently awaiting or using this consumer: it must not be destroyed under them. */
  users: number;
  evicted: boolean;
}

/** The cache key of one tool version. */
export function sourceMapKey(persona: string, tool: string, version: number): string {
  return `${persona}/${tool}@${version}`;
}

export class SourceMapCache {
  readonly #maxEntries: number;
  /** Map iteration order is insertion order: the first key is the least recently used. */
  readonly #entries = new Map<string, Entry>();

  constructor(options: SourceMapCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_SOURCE_MAPS;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`SourceMapCache maxEntries must be a positive integer, got ${maxEntries}.`);
    }
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /**
   * The original position of a generated one, parsing the map (`loadSourceMap()`, JSON text)
   * on first use of `key`. Null when the map is missing, invalid, or has no mapping on that
   * generated line. Never rejects.
   *
   * When no mapping starts exactly at the column, the one starting closest before it on the
   * same line is used (it spans the column); failing that, the closest after it.
   */
  async originalPositionFor(
    key: string,
    loadSourceMap: () => string | undefined,
    line1: OneBasedLine,
    column0: ZeroBasedColumn,
  ): Promise<OriginalPosition | null> {
    const entry = this.#acquire(key, loadSourceMap);
    if (entry === null) return null;
    try {
      const consumer = await entry.consumer;
      return consumer === null ? null : lookup(consumer, line1, column0);
    } catch {
      // Malformed `mappings` only fail here, when the WebAssembly decoder first reads them.
      return null;
    } finally {
      this.#release(entry);
    }
  }

  /** Forgets every map, releasing each as soon as no lookup is using it. */
  clear(): void {
    for (const key of [...this.#entries.keys()]) this.#evict(key);
  }

  #acquire(key: string, loadSourceMap: () => string | undefined): Entry | null {
    let entry = this.#entries.get(key);
    if (entry !== undefined) {
      // Refresh recency.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    } else {
      let json: string | undefined;
      try {
        json = loadSourceMap();
      } catch {
        return null;
      }
      // Unknown versions are not cached: they may exist on the next call.
      if (typeof json !== 'string') return null;
      entry = { consumer: createConsumer(json).catch(() => null), users: 0, evicted: false };
      this.#entries.set(key, entry);
      while (this.#entries.size > this.#maxEntries) {
        const oldest = this.#entries.keys().next();
        if (oldest.done === true) break;
        this.#evict(oldest.value);
      }
    }
    entry.users += 1;
    return entry;
  }

  #release(entry: Entry): void {
    entry.users -= 1;
    if (entry.evicted && entry.users === 0) destroy(entry);
  }

  #evict(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    entry.evicted = true;
    if (entry.users === 0) destroy(entry);
  }
}

// `async` matters: the constructor throws synchronously on JSON that does not parse, and
// returns a promise (the decoder is WebAssembly, instantiated on first use) otherwise; this
// turns both failures into one rejection.
async function createConsumer(json: string) {
  return await new SourceMapConsumer(json);
}

function destroy(entry: Entry): void {
  // The consumer promise never rejects (see #acquire); destroy() must not become an
  // unhandled rejection either.
  void entry.consumer.then((consumer) => {
    try {
      consumer?.destroy();
    } catch {
      // Nothing left to release.
    }
  });
}

function lookup(consumer: Consumer, line1: OneBasedLine, column0: ZeroBasedColumn): OriginalPosition | null {
  for (const bias of [SourceMapConsumer.GREATEST_LOWER_BOUND, SourceMapConsumer.LEAST_UPPER_BOUND]) {
    const found = consumer.originalPositionFor({ line: line1, column: column0, bias });
    if (found.source === null || found.line === null || found.column === null) continue;
    const line = oneBasedLine(found.line);
    const column = zeroBasedColumn(found.column);
    if (line === null || column === null) continue;
    return { line1: line, column0: column, name: found.name === '' ? null : found.name };
  }
  return null;
}
