import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let scope: PersonaScope;
let counter = 0;

beforeAll(async () => {
  engine = await startEngine({ payload: { maxConsoleBytes: 2048, maxResultBytes: 4096 } });
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

/** Creates a fresh tool from `code` and calls it once with `args`. */
async function runOnce(code: string, args: Record<string, unknown> = {}, language: 'typescript' | 'javascript' = 'typescript') {
  const name = `t${++counter}`;
  const created = await scope.createTool({ name, description: 'test', code, language });
  if (!created.ok) throw new Error(`create failed: ${JSON.stringify(created.failure)}`);
  return scope.runTool(name, args);
}

describe('runTool() results', () => {
  it('returns the value of a sync function handler', async () => {
    const out = await runOnce('export default (a: { x: number }) => ({ doubled: a.x * 2 });', { x: 21 });
    expect(out).toMatchObject({ ok: true, result: { doubled: 42 } });
  });

  it('awaits an async handler', async () => {
    const out = await runOnce('export default async (a: { s: string }) => { await null; return a.s.toUpperCase(); }', { s: 'hi' });
    expect(out).toMatchObject({ ok: true, result: 'HI' });
  });

  it('instantiates a class export and calls run(args, ctx)', async () => {
    const out = await runOnce('export default class Adder { base = 10; run(a: { n: number }) { return this.base + a.n; } }', { n: 5 });
    expect(out).toMatchObject({ ok: true, result: 15 });
  });

  it('accepts a JavaScript tool with module.exports', async () => {
    const out = await runOnce('module.exports = function (args) { return args.v + 1; };', { v: 1 }, 'javascript');
    expect(out).toMatchObject({ ok: true, result: 2 });
  });

  it('gives ctx the persona, tool name and version, and the execution id', async () => {
    const out = await runOnce('export default (_a: unknown, ctx: any) => ({ persona: ctx.persona, tool: ctx.tool, id: ctx.executionId });');
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.result).toEqual({ persona: 'default', tool: { name: `t${counter}`, version: 1 }, id: out.executionId });
  });

  it('captures console output and ctx.log in the record, not on the host streams', async () => {
    const out = await runOnce('export default (_a: unknown, ctx: any) => { console.log("hello", { a: 1 }); console.error("bad"); ctx.log("via ctx"); return 1; };');
    expect(out.console).toBe("hello { a: 1 }\n[error] bad\nvia ctx");
    const row = await scope.getExecution(out.executionId);
    expect(row.consoleOutput).toBe(out.console);
  });

  it('cuts console output at the configured limit with a visible marker', async () => {
    const out = await runOnce('export default () => { for (let i = 0; i < 10000; i++) console.log("line " + i); return "done"; };');
    expect(out).toMatchObject({ ok: true, result: 'done' });
    expect(out.console.length).toBeLessThan(2048 + 100);
    expect(out.console).toMatch(/console output cut at 2048 characters/);
  });

  it('turns an undefined result into null', async () => {
    expect(await runOnce('export default () => {};')).toMatchObject({ ok: true, result: null });
  });

  it.each([
    ['a function', 'export default () => ({ f() {} });', /result\.f is a function/],
    ['a cycle', 'export default () => { const a: any = {}; a.self = a; return a; };', /result\.self is a circular reference/],
    ['a BigInt', 'export default () => ({ n: 10n });', /result\.n is a BigInt/],
    ['a symbol', 'export default () => [Symbol("x")];', /result\[0\] is a symbol/],
    ['an oversize value', 'export default () => "x".repeat(10000);', /limit is 4096/],
  ])('refuses %s as invalid_result', async (_label, code, message) => {
    const out = await runOnce(code);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.kind).toBe('invalid_result');
    expect(out.failure.message).toMatch(message);
  });

  it.each([
    ['a string', 'throw "boom";', 'thrown string', '"boom"'],
    ['a plain object', 'throw { code: 42 };', 'thrown object', '{"code":42}'],
    ['null', 'throw null;', 'thrown null', 'null'],
    ['a number', 'throw 7;', 'thrown number', '7'],
  ])('reports a thrown %s faithfully, as JSON', async (_label, statement, name, json) => {
    const out = await runOnce(`export default () => { ${statement} };`);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ kind: 'exception', name, thrown: { type: name.slice('thrown '.length), json } });
    expect(out.failure.message.startsWith(`${json}. The tool threw`)).toBe(true);
  });

  it('keeps a custom Error subclass name', async () => {
    const out = await runOnce('class NotFound extends Error { name = "NotFound"; }\nexport default () => { throw new NotFound("no such row"); };');
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ kind: 'exception', name: 'NotFound', message: 'no such row' });
    expect(out.failure.frames[0]).toMatchObject({ line: 2 });
  });

  it('survives an error whose getters throw', async () => {
    const code = [
      'export default () => {',
      '  const e = new Error("x");',
      '  Object.defineProperty(e, "message", { get() { throw new Error("nope"); } });',
      '  Object.defineProperty(e, "name", { get() { throw new Error("nope"); } });',
      '  throw e;',
      '};',
    ].join('\n');
    const out = await runOnce(code);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.kind).toBe('exception');
  });

  it('summarises a long result in the log with a visible marker', async () => {
    const out = await runOnce('export default () => "y".repeat(3000);');
    expect(out.ok).toBe(true);
    const row = await scope.getExecution(out.executionId);
    expect(row.resultSummary).toMatch(/…\[cut: 3002 characters in all\]$/);
    expect(row.resultSummary!.length).toBeLessThan(2100);
  });

  it('offers no Node globals and no memory that escapes the heap limit', async () => {
    // fetch exists (issue 14) but is made by the server under the tool's manifest: see capability-fetch*.test.ts.
    const names = ['require', 'process', 'Buffer', 'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'setInterval'];
    const out = await runOnce(`export default () => Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, typeof (globalThis as any)[n]]));`);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.result).toEqual(Object.fromEntries(names.map((n) => [n, 'undefined'])));
  });

  it('gives require() a message that explains the sandbox', async () => {
    const out = await runOnce('export default () => require("fs");', {}, 'typescript');
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.message).toMatch(/require\("fs"\) is not available/);
  });

  // A new version of a tool whose isolate is ready is compiled on the sandbox process's
  // thread when its code is small, on isolated-vm's thread pool when it is not
  // (isolate-cache.ts): both must behave alike. update_tool reaches both (the isolate exists).
  describe('a new version compiled in a ready isolate', () => {
    const filler = `const table = ${JSON.stringify('x'.repeat(70_000))};\n`;

    for (const [size, prefix] of [['small', 'const table = "x";\n'], ['big', filler]] as const) {
      it(`runs the new code (${size} module)`, async () => {
        const name = `t${++counter}`;
        expect((await scope.createTool({ name, description: 'test', code: 'export default () => 0;' })).ok).toBe(true);
        expect(await scope.runTool(name, {})).toMatchObject({ ok: true, result: 0 });
        const updated = await scope.updateTool({ name, code: `${prefix}export default (a: { n: number }) => ({ n: a.n, size: table.length });` });
        expect(updated.ok).toBe(true);
        expect(await scope.runTool(name, { n: 3 })).toMatchObject({ ok: true, result: { n: 3, size: prefix === filler ? 70_000 : 1 } });
      });

      it(`reports a throw at the top of the module at its line (${size} module)`, async () => {
        const name = `t${++counter}`;
        expect((await scope.createTool({ name, description: 'test', code: 'export default () => 0;' })).ok).toBe(true);
        expect(await scope.runTool(name, {})).toMatchObject({ ok: true });
        const updated = await scope.updateTool({ name, code: `${prefix}\nthrow new Error('boom');\nexport default () => table;` });
        expect(updated.ok).toBe(false);
        if (updated.ok) return;
        expect(updated.failure.message).toMatch(/boom/);
        expect(updated.failure.frames[0]?.line).toBe(3);
      });
    }
  });
});
