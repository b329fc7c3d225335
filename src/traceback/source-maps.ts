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
  /**
   * The map's name of the source the position is in: the tool's own file, or in a bundle a
   * library's or a package's (bundle-sources.ts). Null when the map gives none.
   */
  source: string | null;
}

/** A mapping segment: the generated column it starts at, and the original position it maps to. */
export interface Segment extends OriginalPosition {
  generatedColumn0: ZeroBasedColumn;
}

/** The segments around a generated position, on its generated line. */
export interface SegmentsAt {
  /** The segment that spans the column: the last one starting at or before it. */
  at: Segment | null;
  /** The first segment starting after the column; null when `at` starts exactly at it. */
  next: Segment | null;
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
    return this.#withConsumer(key, loadSourceMap, (consumer) => lookup(consumer, line1, column0));
  }

  /**
   * The segment spanning a generated position and the one after it on the same line, with
   * the generated columns they start at (which `originalPositionFor` does not tell). V8 often
   * points at a character no segment starts at (the `.` of a property read, the `(` of a
   * call); with the generated and original text, the caller can then place the position
   * exactly instead of at the start of the segment (see `refine-position.ts`). Null when the
   * map is missing or invalid. Never rejects.
   */
  async segmentsAt(
    key: string,
    loadSourceMap: () => string | undefined,
    line1: OneBasedLine,
    column0: ZeroBasedColumn,
  ): Promise<SegmentsAt | null> {
    return this.#withConsumer(key, loadSourceMap, (consumer) => segmentsAround(consumer, line1, column0));
  }

  async #withConsumer<T>(key: string, loadSourceMap: () => string | undefined, use: (consumer: Consumer) => T | null): Promise<T | null> {
    const entry = this.#acquire(key, loadSourceMap);
    if (entry === null) return null;
    try {
      const consumer = await entry.consumer;
      return consumer === null ? null : use(consumer);
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
    const found = originalAt(consumer, line1, column0, bias);
    if (found !== null) return found.position;
  }
  return null;
}

function originalAt(
  consumer: Consumer,
  line1: OneBasedLine,
  column0: number,
  bias: number,
): { source: string; position: OriginalPosition } | null {
  const found = consumer.originalPositionFor({ line: line1, column: column0, bias });
  if (found.source === null || found.line === null || found.column === null) return null;
  const line = oneBasedLine(found.line);
  const column = zeroBasedColumn(found.column);
  if (line === null || column === null) return null;
  return { source: found.source, position: { line1: line, column0: column, name: found.name === '' ? null : found.name, source: found.source } };
}

function segmentsAround(consumer: Consumer, line1: OneBasedLine, column0: ZeroBasedColumn): SegmentsAt {
  const before = originalAt(consumer, line1, column0, SourceMapConsumer.GREATEST_LOWER_BOUND);
  const at = before === null ? null : segmentOf(consumer, line1, before, (g) => g <= column0, Math.max);
  if (at !== null && at.generatedColumn0 === column0) return { at, next: null };
  const after = originalAt(consumer, line1, column0 + 1, SourceMapConsumer.LEAST_UPPER_BOUND);
  const next = after === null ? null : segmentOf(consumer, line1, after, (g) => g > column0, Math.min);
  return { at, next };
}

/**
 * The generated column of the segment on `line1` that maps to `found`: among the generated
 * positions of that original position, the one `pick` chooses of those `accept` allows, and
 * only if it really maps back to `found`.
 */
function segmentOf(
  consumer: Consumer,
  line1: OneBasedLine,
  found: { source: string; position: OriginalPosition },
  accept: (generatedColumn0: number) => boolean,
  pick: (...columns: number[]) => number,
): Segment | null {
  const { position } = found;
  const columns = consumer
    .allGeneratedPositionsFor({ source: found.source, line: position.line1, column: position.column0 })
    .filter((p) => p.line === line1 && typeof p.column === 'number' && accept(p.column))
    .map((p) => p.column as number);
  if (columns.length === 0) return null;
  const generated = zeroBasedColumn(pick(...columns));
  if (generated === null) return null;
  const back = originalAt(consumer, line1, generated, SourceMapConsumer.GREATEST_LOWER_BOUND);
  if (back === null || back.position.line1 !== position.line1 || back.position.column0 !== position.column0) return null;
  return { ...position, generatedColumn0: generated };
}
