import vm from 'node:vm';

import { SourceMapConsumer } from 'source-map';
import { describe, expect, it } from 'vitest';

import { compile } from '../../../src/compiler/compile.js';
import { MODULE_PARAMETERS } from '../../../src/compiler/module-wrapper.js';
import { recordThrowSites } from '../../../src/compiler/throw-sites.js';

async function compiled(source: string): Promise<{ compiledJs: string; sourceMap: string }> {
  const out = await compile({ toolName: 'tool', version: 1, language: 'typescript', source });
  if (!out.ok) throw new Error(out.failure.message);
  return out;
}

/** Runs the compiled module as the sandbox does, with a recorder that logs what it is given; returns what the handler threw. */
function thrownBy(compiledJs: string, args: unknown): { thrown: unknown; recorded: unknown[] } {
  const recorded: unknown[] = [];
  const factory = new vm.Script(`(function (${MODULE_PARAMETERS}) {\n${compiledJs}\n})`).runInNewContext({}) as (...a: unknown[]) => void;
  const module = { exports: {} as Record<string, unknown> };
  factory(module, module.exports, () => undefined, (value: unknown) => (recorded.push(value), value));
  try {
    (module.exports['default'] as (a: unknown) => unknown)(args);
  } catch (thrown) {
    return { thrown, recorded };
  }
  throw new Error('the handler did not throw');
}

/** The original position (1-based line and column) of the recorder call at the `n`th occurrence in the compiled code. */
async function mappedCall(out: { compiledJs: string; sourceMap: string }, n = 0): Promise<{ line: number; column: number }> {
  let index = -1;
  for (let i = 0; i <= n; i++) index = out.compiledJs.indexOf('__chameleon_throw(', index + 1);
  const before = out.compiledJs.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n') - 1;
  return SourceMapConsumer.with(out.sourceMap, null, (c) => {
    const p = c.originalPositionFor({ line, column });
    return { line: p.line!, column: p.column! + 1 };
  });
}

describe('recordThrowSites() through compile()', () => {
  it('wraps a throw of a value, keeps what it throws, and maps the call to the thrown expression', async () => {
    const out = await compiled("export default (a: { s: string }) => {\n  if (a.s === '') throw 'empty';\n  return a.s;\n};\n");
    expect(out.compiledJs).toContain("__chameleon_throw('empty')");
    expect(thrownBy(out.compiledJs, { s: '' })).toEqual({ thrown: 'empty', recorded: ['empty'] });
    expect(await mappedCall(out)).toEqual({ line: 2, column: 25 });
  });

  it('maps the call the same in esbuild\'s output (a source over 32 KB)', async () => {
    const padding = `// ${'x'.repeat(33 * 1024)}\n`;
    const out = await compiled(`${padding}export default (a: { s: string }) => {\n  if (a.s === '') throw { empty: true };\n  return a.s;\n};\n`);
    expect(thrownBy(out.compiledJs, { s: '' }).thrown).toEqual({ empty: true });
    expect(await mappedCall(out)).toEqual({ line: 3, column: 25 });
  });

  it('leaves `throw new ...` alone, and code without a throw of a value unparsed and unchanged', async () => {
    const source = "export default () => { throw new Error('x'); };\n// a comment that says throw it\nconst s = 'throw';\n";
    const out = await compiled(source);
    expect(out.compiledJs).not.toContain('__chameleon_throw');
  });

  it('keeps a sequence expression whole: `throw a, b` still throws b', async () => {
    const out = await compiled("export default () => { throw (console, 'last'); };\n");
    expect(out.compiledJs).toMatch(/__chameleon_throw\(\(/);
    expect(thrownBy(out.compiledJs, {}).thrown).toBe('last');
  });

  it('wraps nested throws and multi-line arguments, and every other mapping keeps its original place', async () => {
    const source = [
      'export default (a: { n: number }) => {',
      "  const label = 'é€😀 throw';",
      '  if (a.n > 1) throw {',
      '    code: 1, label,',
      "    inner: (() => { try { throw 'inner'; } catch (e) { return e; } })(),",
      '  };',
      '  return label.length;',
      '};',
    ].join('\n');
    const out = await compiled(source);
    const { thrown, recorded } = thrownBy(out.compiledJs, { n: 2 });
    expect(thrown).toEqual({ code: 1, label: 'é€😀 throw', inner: 'inner' });
    expect(recorded).toEqual(['inner', thrown]);
    expect(await mappedCall(out, 0)).toEqual({ line: 3, column: 22 });
    expect(await mappedCall(out, 1)).toEqual({ line: 5, column: 33 });
  });

  it('shifts only generated columns: every original position is still mapped from the same code', async () => {
    const source = [
      'function check(x: number) { if (x < 0) throw `negative: ${x}`; return Math.sqrt(x); }',
      'export default (a: { xs: number[] }) => a.xs.map((x) => { if (Number.isNaN(x)) throw null; return check(x); });',
    ].join('\n');
    const out = await compiled(source);
    const before = await compiledWithoutSites(source);
    const tokensAt = (code: string, map: string) =>
      SourceMapConsumer.with(map, null, (consumer) => {
        const lines = code.split('\n');
        const texts = new Map<string, string>();
        // The first character only: the rewrite may insert text right after a token.
        consumer.eachMapping((m) => texts.set(`${m.originalLine}:${m.originalColumn}`, lines[m.generatedLine - 1]!.slice(m.generatedColumn, m.generatedColumn + 1)));
        return texts;
      });
    const was = await tokensAt(before.compiledJs, before.sourceMap);
    const now = await tokensAt(out.compiledJs, out.sourceMap);
    expect(was.size).toBeGreaterThan(20);
    expect(now.size).toBe(was.size);
    for (const [position, text] of was) {
      // A thrown expression's mapping now starts at the recorder call that wraps it.
      if (now.get(position) === '_' && text !== '_') continue;
      expect(now.get(position), position).toBe(text);
    }
  });

  it('is skipped when the code already names the recorder', async () => {
    const input = { compiledJs: '"use strict";\nconst __chameleon_throw = 1;\nfunction f() { throw 1; }\n', sourceMap: '{"version":3,"sources":["t.ts"],"names":[],"mappings":""}' };
    expect(await recordThrowSites(input)).toBe(input);
  });
});

/** The same source as compile() makes it before the rewrite: swc's output made strict. */
async function compiledWithoutSites(source: string): Promise<{ compiledJs: string; sourceMap: string }> {
  const { swcTransform } = await import('../../../src/compiler/swc-transform.js');
  const out = await swcTransform(source, 'typescript', 'tool.ts');
  if (out === null) throw new Error('swc refused the source');
  const map = JSON.parse(out.sourceMap) as { mappings: string };
  return { compiledJs: `"use strict";\n${out.compiledJs}`, sourceMap: JSON.stringify({ ...map, mappings: `;${map.mappings}` }) };
}
