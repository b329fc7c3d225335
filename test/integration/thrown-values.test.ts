/**
 * Issue 13, item 4: a tool that throws something other than an Error (`throw 'bad input'`,
 * `throw { code: 1 }`, `throw null`) is told where it threw, what it threw (as JSON), and to
 * throw an Error instead. The fixtures thrown_*.ts/.js pin the positions; this file pins the
 * rest: every kind of value, both entry paths, both compilers, rethrows, and that a throw site
 * never outlives its call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

async function create(name: string, code: string): Promise<void> {
  const created = await scope.createTool({ name, description: name, code });
  if (!created.ok) throw new Error(`create failed: ${JSON.stringify(created.failure)}`);
}

async function failureOf(name: string, args: Record<string, unknown> = {}) {
  const out = await scope.runTool(name, args);
  if (out.ok) throw new Error(`expected a failure, got ${out.resultJson}`);
  return out.failure;
}

const VALUES = `
export default function (a: { kind: string }) {
  const values: Record<string, unknown> = {
    string: 'bad input', number: 42, nan: NaN, boolean: false, undefined: undefined, null: null,
    bigint: 10n, symbol: Symbol('s'), array: [1, 'two'], object: { code: 'E_X', nested: { ok: false } },
  };
  if (a.kind === 'cycle') { const o: Record<string, unknown> = { id: 1 }; o.self = o; throw o; }
  if (a.kind === 'function') throw function named() {};
  throw values[a.kind];
}
`;

describe('a thrown value that is not an Error', () => {
  it.each([
    ['string', 'string', '"bad input"'],
    ['number', 'number', '42'],
    ['nan', 'number', 'NaN'],
    ['boolean', 'boolean', 'false'],
    ['undefined', 'undefined', 'undefined'],
    ['null', 'null', 'null'],
    ['bigint', 'bigint', '10n'],
    ['symbol', 'symbol', 'Symbol(s)'],
    ['array', 'object', '[1,"two"]'],
    ['object', 'object', '{"code":"E_X","nested":{"ok":false}}'],
    ['cycle', 'object', '{"id":1,"self":"[Circular]"}'],
    ['function', 'function', '[Function named]'],
  ])('%s: is located at its throw, shown as JSON, with a hint to throw an Error', async (kind, type, json) => {
    await create(`throw_${kind}`, VALUES);
    // The first calls of a version go through isolated-vm's thread pool, later ones enter
    // synchronously (fast-path.ts): both must say the same.
    for (let i = 0; i < 3; i++) {
      const failure = await failureOf(`throw_${kind}`, { kind });
      expect(failure).toMatchObject({ kind: 'exception', name: `thrown ${type}`, thrown: { type, json }, mapped: true });
      expect(failure.message.startsWith(`${json}. The tool threw a`)).toBe(true);
      expect(failure.message).toMatch(/not an Error: throw .*new Error\(/);
      // The thrown expression of the statement that threw.
      const [line, column] = kind === 'cycle' ? [7, 93] : kind === 'function' ? [8, 36] : [9, 9];
      expect(failure.frames[0], failure.rawStack ?? '').toMatchObject({ line, column });
      expect(failure.codeFrame).toMatch(new RegExp(`^> +${line} \\|`, 'm'));
    }
  });

  it('keeps the last throw when a value is caught and thrown again', async () => {
    await create(
      'rethrow',
      ['function check(n: number) {', "  if (n < 0) throw 'negative';", '  return n;', '}', 'export default (a: { n: number }) => {', '  try { return check(a.n); }', '  catch (e) { throw e; }', '};'].join('\n'),
    );
    const failure = await failureOf('rethrow', { n: -1 });
    expect(failure.frames.map((f) => [f.function, f.line])).toEqual([['default', 7]]);
  });

  it('has no location when no throw statement threw it (Promise.reject), and none from an earlier call', async () => {
    await create(
      'rejects',
      ["export default async (a: { how: string }) => {", "  if (a.how === 'throw') throw 'same';", "  return Promise.reject('same');", '};'].join('\n'),
    );
    const thrown = await failureOf('rejects', { how: 'throw' });
    expect(thrown.frames[0]).toMatchObject({ line: 2 });
    // The same value, rejected by a built-in in the next call: the previous call's throw site
    // must not be taken for its own.
    const rejected = await failureOf('rejects', { how: 'reject' });
    expect(rejected).toMatchObject({ name: 'thrown string', thrown: { json: '"same"' }, frames: [], rawStack: null });
    expect(rejected.message).toMatch(/not an Error/);
  });

  it('is located the same in a tool too large for swc (compiled by esbuild)', async () => {
    const padding = `const TABLE = ${JSON.stringify(Array.from({ length: 4_000 }, (_, i) => `row-${i}`))};\n`;
    expect(padding.length).toBeGreaterThan(32 * 1024);
    await create('large_throw', `${padding}export default (a: { i: number }) => {\n  if (!TABLE[a.i]) throw { missing: a.i };\n  return TABLE[a.i];\n};\n`);
    const failure = await failureOf('large_throw', { i: 99_999 });
    expect(failure).toMatchObject({ name: 'thrown object', thrown: { json: '{"missing":99999}' } });
    expect(failure.frames[0]).toMatchObject({ line: 3, column: 26 });
  });

  it('leaves Errors, and code that throws nothing, as they were', async () => {
    await create('plain_error', "export default (a: { fail: boolean }) => {\n  if (a.fail) throw new TypeError('typed');\n  return 'fine';\n};");
    expect(await scope.runTool('plain_error', { fail: false })).toMatchObject({ ok: true, result: 'fine' });
    const failure = await failureOf('plain_error', { fail: true });
    expect(failure).toMatchObject({ name: 'TypeError', message: 'typed', frames: [{ line: 2, column: 21 }] });
    expect(failure.thrown).toBeUndefined();
  });

  it('refuses, located, a tool that declares the recorder name at its top level', async () => {
    const created = await scope.createTool({ name: 'own_recorder', description: 'x', code: 'const __chameleon_throw = 1;\nexport default () => __chameleon_throw;\n' });
    expect(created.ok).toBe(false);
    if (created.ok) return;
    expect(created.failure).toMatchObject({ kind: 'compile', frames: [{ line: 1 }] });
  });
});
