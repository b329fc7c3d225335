/**
 * Issue 13, item 7: a result that JSON would silently change (a Map or Set becomes {}, NaN
 * becomes null) is refused as `invalid_result` with its path and what to return instead, as
 * functions and BigInts already were; Dates and class instances stay as JSON.stringify makes
 * them. console.log prints Maps, Sets, Errors and class instances as Node's util.inspect does,
 * and a logged Error's frames are in the agent's lines. The fixtures result_*.ts pin one
 * refusal per type; this file pins the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let scope: PersonaScope;
let counter = 0;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

async function runOnce(code: string, args: Record<string, unknown> = {}) {
  const name = `r${++counter}`;
  const created = await scope.createTool({ name, description: 'test', code });
  if (!created.ok) throw new Error(`create failed: ${JSON.stringify(created.failure)}`);
  return { name, out: await scope.runTool(name, args) };
}

describe('a result JSON would change', () => {
  it.each([
    ['a Map', 'new Map([["a", 1]])', 'result.value is a Map', 'Object.fromEntries(map)'],
    ['a Set', 'new Set([1])', 'result.value is a Set', '[...set]'],
    ['a Promise', 'Promise.resolve(1)', 'result.value is a Promise', 'await it'],
    ['a thenable instance', 'new (class Later { then(r: (v: number) => void) { r(1); } })()', 'result.value is a Promise', 'await it'],
    ['an Error', 'new TypeError("x")', 'result.value is an Error', 'throw it'],
    ['NaN', 'NaN', 'result.value is NaN', 'null'],
    ['Infinity', '1 / 0', 'result.value is Infinity', 'null'],
    ['-Infinity', '-1 / 0', 'result.value is -Infinity', 'null'],
    ['a RegExp', '/ab+c/g', 'result.value is a RegExp', 'regex.source'],
    ['a Uint8Array', 'new Uint8Array([1, 2])', 'result.value is a Uint8Array', 'Array.from(array)'],
    ['an ArrayBuffer', 'new ArrayBuffer(8)', 'result.value is binary data', 'Array.from(new Uint8Array(buffer))'],
    ['a WeakMap', 'new WeakMap()', 'result.value is a WeakMap or WeakSet', 'Object.fromEntries(map)'],
  ])('refuses %s, named by its path, with what to return instead', async (_label, expression, path, fix) => {
    const { out } = await runOnce(`export default () => ({ ok: true, value: ${expression} });`);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ kind: 'invalid_result', name: 'InvalidResult', frames: [] });
    expect(out.failure.message).toContain(`The result must be JSON-serialisable, but ${path}`);
    expect(out.failure.message).toContain(fix);
  });

  it('names the path inside arrays, and refuses a mangled value returned alone', async () => {
    const nested = await runOnce('export default () => ({ rows: [{ total: 1 }, { total: 0 / 0 }] });');
    expect(!nested.out.ok && nested.out.failure.message).toContain('result.rows[1].total is NaN');
    const alone = await runOnce('export default async () => new Map();');
    expect(!alone.out.ok && alone.out.failure.message).toContain('but result is a Map');
    const infinite = await runOnce('export default () => Infinity;');
    expect(!infinite.out.ok && infinite.out.failure.message).toContain('but result is Infinity');
  });

  it('keeps Dates, class instances and objects with toJSON as JSON.stringify makes them', async () => {
    const code = [
      'class Point { constructor(public x: number, public y: number) {} get norm() { return Math.hypot(this.x, this.y); } }',
      'class Money { constructor(private cents: number) {} toJSON() { return `${this.cents / 100} EUR`; } }',
      'export default () => ({ when: new Date(0), at: new Point(3, 4), price: new Money(250), none: null, list: [1, "a"] });',
    ].join('\n');
    const { out } = await runOnce(code);
    expect(out).toMatchObject({ ok: true, result: { when: '1970-01-01T00:00:00.000Z', at: { x: 3, y: 4 }, price: '2.5 EUR', none: null, list: [1, 'a'] } });
  });
});

describe('console output', () => {
  it('prints values as util.inspect does, on one line', async () => {
    const code = [
      'class Point { constructor(public x: number, public y: number) {} }',
      'export default () => {',
      '  const m = new Map<unknown, unknown>([["a", 1], [{ k: 1 }, [true, null]]]);',
      '  const o: Record<string, unknown> = { name: "it\'s", n: -0, big: 10n, u: undefined };',
      '  o.self = o;',
      '  Object.defineProperty(o, "lazy", { enumerable: true, get() { throw new Error("called"); } });',
      '  console.log(m, new Set(["x"]), new Point(1, 2));',
      '  console.log(o, [1, [2, [3]]], Object.create(null), new Date(0));',
      '  console.log(function named() {}, class Klass {}, Symbol("s"), new Uint8Array([1, 2]), /re/g, "plain text");',
      '  console.log({ "needs quotes": 1, deep: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } });',
      '  return 1;',
      '};',
    ].join('\n');
    const { out } = await runOnce(code);
    expect(out.ok).toBe(true);
    expect(out.console.split('\n')).toEqual([
      "Map(2) { 'a' => 1, { k: 1 } => [ true, null ] } Set(1) { 'x' } Point { x: 1, y: 2 }",
      '{ name: "it\'s", n: -0, big: 10n, u: undefined, self: [Circular], lazy: [Getter] } [ 1, [ 2, [ 3 ] ] ] [Object: null prototype] {} 1970-01-01T00:00:00.000Z',
      "[Function: named] [class Klass] Symbol(s) Uint8Array(2) [ 1, 2 ] /re/g plain text",
      "{ 'needs quotes': 1, deep: { a: { b: { c: { d: { e: { f: [Object] } } } } } } }",
    ]);
  });

  it("shows a logged Error's frames in the agent's lines, with its properties and cause, without the sandbox's frames", async () => {
    const code = [
      'function fail() {',
      "  return new Error('disk full', { cause: new RangeError('quota') });",
      '}',
      'export default () => {',
      '  const e = fail() as Error & { code?: string };',
      "  e.code = 'ENOSPC';",
      '  console.error(e);',
      '  return 1;',
      '};',
    ].join('\n');
    const { name, out } = await runOnce(code);
    expect(out.ok).toBe(true);
    expect(out.console).toMatch(new RegExp(`^\\[error\\] Error: disk full\\n {4}at fail \\(${name}\\.ts:2:10\\)\\n {4}at default \\(${name}\\.ts:5:13\\)\\n\\{ code: 'ENOSPC', \\[cause\\]: RangeError: quota\\n {4}at fail \\(${name}\\.ts:2:42\\)`));
    expect(out.console).not.toMatch(/chameleon-prelude|chameleon\/default\//);
    expect((await scope.getExecution(out.executionId)).consoleOutput).toBe(out.console);
  });

  it("maps only this persona's scripts: a position of another persona stays as printed", async () => {
    const { out } = await runOnce("export default () => { console.log('at x (chameleon/other/secret@1.js:1:1)'); return 1; };");
    expect(out.console).toBe('at x (chameleon/other/secret@1.js:1:1)');
  });
});
