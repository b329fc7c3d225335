import { SourceMapGenerator } from 'source-map';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { oneBasedLine, zeroBasedColumn, type OneBasedLine, type ZeroBasedColumn } from '../../../src/traceback/positions.js';
import { SourceMapCache, sourceMapKey } from '../../../src/traceback/source-maps.js';
import { compileTs, positionOf } from './fixtures.js';

const SOURCE = `interface Point { x: number }
export function mean(xs: number[]): number {
  let total = 0;
  for (const x of xs) total += (x as any).valueOf();
  return total / xs.length;
}
function __export(p: Point): number { return p.x; }
export default function (args: { xs: number[] }): number {
  if (args.xs.length === 0) throw new RangeError('empty');
  return mean(args.xs) + __export({ x: 1 });
}
`;

function line1(n: number): OneBasedLine {
  return oneBasedLine(n)!;
}
function column0(n: number): ZeroBasedColumn {
  return zeroBasedColumn(n)!;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('SourceMapCache.originalPositionFor() with esbuild maps', () => {
  it.each<[string, string, number, string, number]>([
    // [what, needle in compiled JS, occurrence, needle in source, occurrence]
    ['a method call inside an expression', 'valueOf', 1, 'valueOf', 1],
    ['a thrown constructor call', 'new RangeError', 1, 'new RangeError', 1],
    ['a division after a removed type annotation', 'total / xs', 1, 'total / xs', 1],
    ['a call in a return', 'mean(args', 1, 'mean(args', 1],
  ])('maps %s back to its 1-based line and 0-based column', async (_, compiledNeedle, cOcc, sourceNeedle, sOcc) => {
    const { code, map } = await compileTs(SOURCE);
    const generated = positionOf(code, compiledNeedle, cOcc);
    const original = positionOf(SOURCE, sourceNeedle, sOcc);
    const cache = new SourceMapCache();
    const found = await cache.originalPositionFor('k', () => map, line1(generated.line), column0(generated.column - 1));
    expect(found).toMatchObject({ line1: original.line, column0: original.column - 1 });
  });

  it('maps a column inside a token to the mapping that spans it (greatest lower bound)', async () => {
    const { code, map } = await compileTs(SOURCE);
    const generated = positionOf(code, 'valueOf');
    const original = positionOf(SOURCE, 'valueOf');
    const cache = new SourceMapCache();
    const found = await cache.originalPositionFor('k', () => map, line1(generated.line), column0(generated.column - 1 + 3));
    expect(found).toMatchObject({ line1: original.line, column0: original.column - 1 });
  });

  it('returns null for a generated line without mappings (the esbuild preamble)', async () => {
    const { map } = await compileTs(SOURCE);
    const cache = new SourceMapCache();
    expect(await cache.originalPositionFor('k', () => map, line1(1), column0(0))).toBeNull();
  });

  it('returns null for a line past the end of the compiled code', async () => {
    const { map } = await compileTs(SOURCE);
    const cache = new SourceMapCache();
    expect(await cache.originalPositionFor('k', () => map, line1(10_000), column0(0))).toBeNull();
  });

  it("gives the map's original name for an identifier esbuild renamed", async () => {
    const { code, map } = await compileTs(SOURCE);
    // esbuild renames the agent's __export, which collides with its own CJS helper.
    expect(code).toContain('__export2(');
    const generated = positionOf(code, '__export2(', 2);
    const cache = new SourceMapCache();
    const found = await cache.originalPositionFor('k', () => map, line1(generated.line), column0(generated.column - 1));
    expect(found?.name).toBe('__export');
  });
});

describe('SourceMapCache.segmentsAt()', () => {
  it('gives the segment spanning a column and the next one, with the generated columns they start at', async () => {
    const { code, map } = await compileTs(SOURCE);
    const valueOf = positionOf(code, 'valueOf');
    const cache = new SourceMapCache();
    // The `.` before `valueOf`: inside the segment of `(x as any)`'s `x`, just before `valueOf`'s.
    const dot = column0(valueOf.column - 2);
    const found = await cache.segmentsAt('k', () => map, line1(valueOf.line), dot);
    const original = positionOf(SOURCE, 'valueOf');
    expect(found?.next).toEqual({ generatedColumn0: valueOf.column - 1, line1: original.line, column0: original.column - 1, name: null, source: expect.any(String) });
    expect(found?.at?.line1).toBe(original.line);
    expect(found?.at?.generatedColumn0).toBeLessThan(dot);
    expect(found?.at?.column0).toBeLessThan(original.column - 1);
  });

  it('has no next segment when one starts exactly at the column', async () => {
    const { code, map } = await compileTs(SOURCE);
    const generated = positionOf(code, 'new RangeError');
    const cache = new SourceMapCache();
    const found = await cache.segmentsAt('k', () => map, line1(generated.line), column0(generated.column - 1));
    expect(found).toEqual({ at: expect.objectContaining({ generatedColumn0: generated.column - 1 }), next: null });
  });

  it('is null when the map is unusable', async () => {
    const cache = new SourceMapCache();
    expect(await cache.segmentsAt('k', () => '{not json', line1(1), column0(0))).toBeNull();
  });
});

describe('SourceMapCache.originalPositionFor() fallbacks and failures', () => {
  function handMadeMap(): string {
    const generator = new SourceMapGenerator({ file: 'x.js' });
    generator.addMapping({ generated: { line: 1, column: 10 }, original: { line: 3, column: 4 }, source: 'x.ts' });
    return generator.toString();
  }

  it('uses the closest mapping after the column when none starts before it (least upper bound)', async () => {
    const cache = new SourceMapCache();
    expect(await cache.originalPositionFor('k', handMadeMap, line1(1), column0(2))).toEqual({ line1: 3, column0: 4, name: null, source: 'x.ts' });
  });

  it.each([
    ['JSON that does not parse', '{not json'],
    ['mappings that do not decode', '{"version":3,"sources":["x.ts"],"names":[],"mappings":"!!!!"}'],
    ['a map that is not a map', '42'],
  ])('returns null, without throwing, for %s', async (_, json) => {
    const cache = new SourceMapCache();
    await expect(cache.originalPositionFor('k', () => json, line1(1), column0(0))).resolves.toBeNull();
  });

  it('remembers a map that does not parse, so it is not parsed again', async () => {
    const cache = new SourceMapCache();
    const load = vi.fn(() => '{not json');
    await cache.originalPositionFor('k', load, line1(1), column0(0));
    await cache.originalPositionFor('k', load, line1(1), column0(0));
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('does not cache a version whose map is unknown or whose loader throws', async () => {
    const cache = new SourceMapCache();
    expect(await cache.originalPositionFor('a', () => undefined, line1(1), column0(0))).toBeNull();
    expect(
      await cache.originalPositionFor('b', () => {
        throw new Error('store down');
      }, line1(1), column0(0)),
    ).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('loads a map once when two lookups race for it', async () => {
    const cache = new SourceMapCache();
    const load = vi.fn(handMadeMap);
    const results = await Promise.all([
      cache.originalPositionFor('k', load, line1(1), column0(10)),
      cache.originalPositionFor('k', load, line1(1), column0(12)),
    ]);
    expect(load).toHaveBeenCalledTimes(1);
    expect(results).toEqual([
      { line1: 3, column0: 4, name: null, source: 'x.ts' },
      { line1: 3, column0: 4, name: null, source: 'x.ts' },
    ]);
  });
});

describe('SourceMapCache eviction', () => {
  async function destroySpy() {
    // The consumer class is only reachable through an instance.
    const { SourceMapConsumer } = await import('source-map');
    const probe = await new SourceMapConsumer(
      JSON.parse(new SourceMapGenerator({ file: 'x.js' }).toString()) as never,
    );
    const prototype = Object.getPrototypeOf(probe) as { destroy: () => void };
    probe.destroy();
    return vi.spyOn(prototype, 'destroy');
  }

  function map(n: number): () => string {
    return () => {
      const generator = new SourceMapGenerator({ file: `v${n}.js` });
      generator.addMapping({ generated: { line: 1, column: 0 }, original: { line: n, column: 0 }, source: 'x.ts' });
      return generator.toString();
    };
  }

  it('keeps at most maxEntries maps, dropping the least recently used and destroying it', async () => {
    const destroy = await destroySpy();
    const cache = new SourceMapCache({ maxEntries: 2 });
    await cache.originalPositionFor('a', map(1), line1(1), column0(0));
    await cache.originalPositionFor('b', map(2), line1(1), column0(0));
    await cache.originalPositionFor('a', map(1), line1(1), column0(0)); // a is now the most recent
    await cache.originalPositionFor('c', map(3), line1(1), column0(0));
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(destroy).toHaveBeenCalledTimes(1);
  });

  it('does not destroy a map that a pending lookup is still using', async () => {
    const destroy = await destroySpy();
    const cache = new SourceMapCache({ maxEntries: 1 });
    const pendingA = cache.originalPositionFor('a', map(7), line1(1), column0(0));
    const pendingB = cache.originalPositionFor('b', map(8), line1(1), column0(0)); // evicts a
    expect(cache.has('a')).toBe(false);
    expect(await pendingA).toEqual({ line1: 7, column0: 0, name: null, source: 'x.ts' });
    expect(await pendingB).toEqual({ line1: 8, column0: 0, name: null, source: 'x.ts' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(destroy).toHaveBeenCalledTimes(1);
  });

  it('clear() forgets and destroys every map', async () => {
    const destroy = await destroySpy();
    const cache = new SourceMapCache();
    await cache.originalPositionFor('a', map(1), line1(1), column0(0));
    await cache.originalPositionFor('b', map(2), line1(1), column0(0));
    cache.clear();
    expect(cache.size).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(destroy).toHaveBeenCalledTimes(2);
  });

  it.each([[0], [-1], [1.5], [Number.NaN]])('rejects maxEntries %s', (maxEntries) => {
    expect(() => new SourceMapCache({ maxEntries })).toThrow(RangeError);
  });

  it('sourceMapKey() names a version persona/tool@version', () => {
    expect(sourceMapKey('default', 'fib', 3)).toBe('default/fib@3');
  });
});
