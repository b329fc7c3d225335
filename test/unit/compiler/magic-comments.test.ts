/**
 * Source-map magic comments in a tool's source are ignored (src/compiler/magic-comments.ts):
 * neither compiler reads the author's map, none is left for V8 in the compiled code, and no
 * line or column of the source moves.
 */
import { describe, expect, it } from 'vitest';
import { SourceMapConsumer } from 'source-map';

import { compile } from '../../../src/compiler/compile.js';
import { neutraliseMagicComments } from '../../../src/compiler/magic-comments.js';

/** What V8 or a compiler would read as a directive (wider than either, as the fix is). */
const DIRECTIVE = /\/[/*][#@]\s*source(?:Mapping)?URL/i;

const forgedMap = { version: 3, sources: ['/host/cli.js'], names: ['hostFunction'], mappings: Array.from({ length: 40 }, () => 'AAAAA').join(';') };
const inline = `data:application/json;base64,${Buffer.from(JSON.stringify(forgedMap)).toString('base64')}`;

describe('neutraliseMagicComments()', () => {
  it.each([
    ['//# sourceURL=/etc/passwd', '//  sourceURL=/etc/passwd'],
    ['//@ sourceURL=/etc/passwd', '//  sourceURL=/etc/passwd'],
    [`//# sourceMappingURL=${inline}`, `//  sourceMappingURL=${inline}`],
    ['/*# sourceMappingURL=x.map */', '/*  sourceMappingURL=x.map */'],
    ['/*@ sourceURL=/etc/x @license */', '/*  sourceURL=/etc/x @license */'],
    ['//#\tsourceurl=x', '// \tsourceurl=x'],
    ['const a = 1; //# sourceURL=x', 'const a = 1; //  sourceURL=x'],
  ])('turns %j into a plain comment of the same length', (code, expected) => {
    const out = neutraliseMagicComments(code);
    expect(out).toBe(expected);
    expect(out).toHaveLength(code.length);
  });

  it.each(['// a comment about sourceURL', '// # not a directive', 'const x = a /# b;', 'obj.sourceURL = 1; // #1'])('leaves %j alone', (code) => {
    expect(neutraliseMagicComments(code)).toBe(code);
  });
});

describe('compile() with magic comments in the source', () => {
  const source = [
    '//# sourceURL=/etc/passwd',
    'export default (a: { n: number }) => {',
    "  if (a.n > 0) throw new Error('line 3');",
    '  return a.n;',
    '};',
    '//@ sourceURL=/etc/passwd',
    `//# sourceMappingURL=${inline}`,
  ].join('\n');

  // Both compilers: swc takes a small valid source, esbuild one over swc's size limit.
  const big = `${source}\n${'// padding\n'.repeat(4_000)}`;
  it.each([
    ['swc', source],
    ['esbuild', big],
  ])('%s: maps the throw to line 3 of the tool itself and leaves no directive in the output', async (_compiler, code) => {
    const out = await compile({ toolName: 'tool', version: 1, language: 'typescript', source: code });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.compiledJs).not.toMatch(DIRECTIVE);
    const map = JSON.parse(out.sourceMap) as { sources: string[]; names: string[] };
    expect(map.sources).toEqual(['tool.ts']);
    expect(map.names).not.toContain('hostFunction');
    // The generated `throw` maps back to line 3, column 15 (0-based) of the source as written.
    const lines = out.compiledJs.split('\n');
    const line0 = lines.findIndex((l) => l.includes('throw new Error'));
    const consumer = await new SourceMapConsumer(out.sourceMap);
    try {
      const pos = consumer.originalPositionFor({ line: line0 + 1, column: lines[line0]!.indexOf('throw') });
      expect(pos).toMatchObject({ source: 'tool.ts', line: 3, column: 15 });
    } finally {
      consumer.destroy();
    }
  });

  it('quotes the source as written in a compile error', async () => {
    const out = await compile({ toolName: 'tool', version: 1, language: 'typescript', source: '//# sourceURL=/etc/passwd\nexport default (a => a;\n' });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.failure.codeFrame).toContain('//# sourceURL=/etc/passwd');
  });
});
