import { beforeAll, describe, expect, it, vi } from 'vitest';

import type { Frame } from '../../../src/model.js';
import { mapStack, type ResolvedVersion } from '../../../src/traceback/map-stack.js';
import { SourceMapCache } from '../../../src/traceback/source-maps.js';
import { virtualFilename } from '../../../src/traceback/virtual-filename.js';
import { compileAsTheServerDoes, compileTs, positionOf, stackOf, type Compiled } from './fixtures.js';

// Line numbers matter below: expected positions are found by searching this text.
const SOURCE = `function __export(p: { x: number }): number { return (p as any).y.z; }
class Counter {
  tick(n: number): number { return __export({ x: n }); }
}
export function fib(n: number): number {
  if (n <= 1) return new Counter().tick(n);
  return fib(n - 1) + fib(n - 2);
}
export default async function (args: { n: number }) {
  await null;
  return [args.n].map((k) => fib(k))[0];
}
`;

const FILE = virtualFilename('default', 'fib', 3);
let compiled: Compiled;
let stack: string;

beforeAll(async () => {
  compiled = await compileTs(SOURCE, 'fib.ts');
  stack = await stackOf(compiled.code, FILE, { n: 2 });
});

function versions(entries: Record<string, ResolvedVersion>) {
  return vi.fn((tool: string, version: number) => entries[`${tool}@${version}`]);
}

function fibVersion(language: ResolvedVersion['language'] = 'typescript'): ResolvedVersion {
  return { sourceMap: compiled.map, language, source: SOURCE };
}

function at(fn: string, needle: string, offset = 0): Frame {
  const { line, column } = positionOf(SOURCE, needle);
  return { function: fn, tool: 'fib', version: 3, file: 'fib.ts', line, column: column + offset };
}

describe('mapStack() with a real V8 stack of esbuild output', () => {
  it('mapStack() maps every tool frame to the line and column of the TypeScript as written', async () => {
    const result = await mapStack({
      stack,
      persona: 'default',
      resolveVersion: versions({ 'fib@3': fibVersion() }),
      cache: new SourceMapCache(),
    });
    expect(result).toEqual({
      mapped: true,
      frames: [
        // `__export` was renamed `__export2` by esbuild: the map's names give it back.
        at('__export', 'y.z', 2), // V8 points at the property read that failed: `z`
        at('Counter.tick', '__export({'),
        at('fib', 'tick(n)'),
        at('fib', 'fib(n - 1)'),
        at('<anonymous>', 'fib(k)'), // the arrow passed to map(); Array.map itself is dropped
        at('default', 'map('), // esbuild's `fib_default` is the agent's `export default`
      ],
    });
  });

  it('mapStack() gives the same frames for the output of the compiler the server uses (swc)', async () => {
    const viaServer = await compileAsTheServerDoes(SOURCE, 'fib');
    expect(viaServer.code).not.toBe(compiled.code);
    const result = await mapStack({
      stack: await stackOf(viaServer.code, FILE, { n: 2 }),
      persona: 'default',
      resolveVersion: versions({ 'fib@3': { sourceMap: viaServer.map, language: 'typescript', source: SOURCE } }),
      cache: new SourceMapCache(),
    });
    expect(result).toEqual({
      mapped: true,
      frames: [
        at('__export', 'y.z', 2),
        at('Counter.tick', '__export({'),
        at('fib', 'tick(n)'),
        at('fib', 'fib(n - 1)'),
        at('<anonymous>', 'fib(k)'),
        at('default', 'map('), // swc's `_default` is the agent's `export default`
      ],
    });
  });

  it('mapStack() names files .js for JavaScript tools', async () => {
    const { frames } = await mapStack({
      stack,
      persona: 'default',
      resolveVersion: versions({ 'fib@3': fibVersion('javascript') }),
      cache: new SourceMapCache(),
    });
    expect(new Set(frames.map((f) => f.file))).toEqual(new Set(['fib.js']));
  });

  it('mapStack() drops prelude, host, native, eval and other personas\' frames when they are interleaved', async () => {
    const lines = stack.split('\n');
    const noisy = [
      lines[0],
      '    at chameleon-prelude.js:40:22',
      lines[1],
      '    at <isolated-vm>:1:1',
      '    at other (chameleon/bob/fib@3.js:33:36)',
      `    at eval (eval at f (${FILE}:33:36), <anonymous>:1:1)`,
      ...lines.slice(2),
      '    at JSON.parse (native)',
      '    at Object.default (chameleon-prelude.js:12:3)',
    ].join('\n');
    const cache = new SourceMapCache();
    const resolveVersion = versions({ 'fib@3': fibVersion() });
    const clean = await mapStack({ stack, persona: 'default', resolveVersion, cache });
    const result = await mapStack({ stack: noisy, persona: 'default', resolveVersion, cache });
    expect(result.frames.map((f) => [f.line, f.column])).toEqual(clean.frames.map((f) => [f.line, f.column]));
  });

  it('mapStack() resolves each version once per stack', async () => {
    const resolveVersion = versions({ 'fib@3': fibVersion() });
    await mapStack({ stack, persona: 'default', resolveVersion, cache: new SourceMapCache() });
    expect(resolveVersion).toHaveBeenCalledTimes(1);
    expect(resolveVersion).toHaveBeenCalledWith('fib', 3);
  });

  it('mapStack() ignores frame-looking lines in a known message', async () => {
    const message = `boom\n    at fake (${FILE}:33:36)`;
    const crafted = `Error: ${message}\n${stack.split('\n').slice(1).join('\n')}`;
    const input = { persona: 'default', resolveVersion: versions({ 'fib@3': fibVersion() }), cache: new SourceMapCache() };
    expect((await mapStack({ ...input, stack: crafted, message })).frames).toHaveLength(6);
    expect((await mapStack({ ...input, stack: crafted })).frames).toHaveLength(7);
  });
});

describe('mapStack() when mapping is impossible', () => {
  const base = { persona: 'default', cache: new SourceMapCache() };

  it.each<[string, () => Parameters<typeof mapStack>[0], { frames: Frame[]; mapped: boolean }]>([
    ['there is no stack', () => ({ ...base, stack: null, resolveVersion: versions({}) }), { frames: [], mapped: true }],
    [
      'the stack has no tool frames',
      () => ({ ...base, stack: 'Error: x\n    at chameleon-prelude.js:1:1\n    at JSON.parse (native)', resolveVersion: versions({}) }),
      { frames: [], mapped: true },
    ],
    ['the version is unknown', () => ({ ...base, stack, resolveVersion: versions({}) }), { frames: [], mapped: false }],
    [
      'the source map is broken',
      () => ({
        ...base,
        cache: new SourceMapCache(),
        stack,
        resolveVersion: versions({ 'fib@3': { sourceMap: '{"version":3', language: 'typescript', source: SOURCE } }),
      }),
      { frames: [], mapped: false },
    ],
    [
      'resolveVersion throws',
      () => ({
        ...base,
        stack,
        resolveVersion: () => {
          throw new Error('store down');
        },
      }),
      { frames: [], mapped: false },
    ],
  ])('mapStack() returns the right fallback when %s', async (_, input, expected) => {
    await expect(mapStack(input())).resolves.toEqual(expected);
  });

  it('mapStack() keeps the frames it could map when another version is unknown', async () => {
    const other = `    at gone (${virtualFilename('default', 'fib', 2)}:33:36)`;
    const result = await mapStack({
      stack: `${stack}\n${other}`,
      persona: 'default',
      resolveVersion: versions({ 'fib@3': fibVersion() }),
      cache: new SourceMapCache(),
    });
    expect(result.mapped).toBe(true);
    expect(result.frames).toHaveLength(6);
  });

  it('mapStack() survives a hostile stack', async () => {
    const hostile = `Error\n${`    at f (${FILE}:99999:99999)\n`.repeat(10_000)}`;
    const result = await mapStack({
      stack: hostile,
      persona: 'default',
      resolveVersion: versions({ 'fib@3': fibVersion() }),
      cache: new SourceMapCache(),
    });
    expect(result).toEqual({ frames: [], mapped: false });
  });
});

// Regressions found by test/fixtures/broken-tools: V8 points at punctuation no segment of an
// esbuild map starts at, and esbuild names an anonymous default class after the file.
describe('mapStack() places columns between mapping segments exactly, given the compiled JS', () => {
  async function firstFrame(source: string, file: string, args: unknown, withCompiledJs = true): Promise<Frame | undefined> {
    const tool = file.replace(/\.(ts|js)$/, '');
    const compiled = await compileTs(source, file);
    const version: ResolvedVersion = {
      sourceMap: compiled.map,
      language: file.endsWith('.js') ? 'javascript' : 'typescript',
      source,
      ...(withCompiledJs ? { compiledJs: compiled.code } : {}),
    };
    const script = virtualFilename('default', tool, 1);
    const raw = await stackOf(compiled.code, script, args);
    const { frames } = await mapStack({ stack: raw, persona: 'default', resolveVersion: versions({ [`${tool}@1`]: version }), cache: new SourceMapCache() });
    return frames[0];
  }

  const ERASED = `interface Row { key: string; value?: { amount: number } }
const rows = new Map<string, Row>([['b', { key: 'b' }]]);
export default function amountOf(args: { key: string }): number {
  return rows.get(args.key)!.value!.amount;
}
`;

  it('mapStack() points at the `.` of a failed property read after erased `!`s, not at the token before', async () => {
    // V8 points at the `.` before `amount`; the segment before it is `value`.
    expect(await firstFrame(ERASED, 'ledger.ts', { key: 'b' })).toMatchObject({ function: 'amountOf', ...positionOf(ERASED, '.amount') });
  });

  it('mapStack() keeps the segment start when it is not given the compiled JS', async () => {
    expect(await firstFrame(ERASED, 'ledger.ts', { key: 'b' }, false)).toMatchObject(positionOf(ERASED, 'value!.amount'));
  });

  it('mapStack() points at the `(` of a call of undefined after an erased `!`', async () => {
    const source = `const ops: Partial<Record<string, () => number>> = {};
export default function run(args: { op: string }) {
  return ops[args.op]!();
}
`;
    const paren = positionOf(source, ']!()');
    expect(await firstFrame(source, 'ops.ts', { op: 'x' })).toMatchObject({ function: 'run', line: paren.line, column: paren.column + 2 });
  });

  it('mapStack() gives a JavaScript tool the very column V8 reports, and `default.run` for an anonymous default class', async () => {
    const source = `export default class {
  constructor() { this.index = new Map(); }
  run(args) {
    return this.index.get(args.word).toUpperCase();
  }
}
`;
    expect(await firstFrame(source, 'words.js', { word: 'z' })).toMatchObject({ function: 'default.run', file: 'words.js', ...positionOf(source, '.toUpperCase') });
  });
});
