import { describe, expect, it } from 'vitest';

import { highlightLines, markColumn, MAX_HIGHLIGHT_CHARS, splitLines } from '../../../src/console/highlight.js';
import { raw } from '../../../src/console/html.js';

const textOf = (h: string) => h.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&amp;/g, '&');

describe('highlightLines()', () => {
  it('gives one balanced line of HTML per source line, even inside a multi-line comment', () => {
    const source = 'const a = 1; /* one\ntwo */ const b = `x\ny`;\nreturn a;';
    const lines = highlightLines(source, 'typescript');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect((line.text.match(/<span/g) ?? []).length).toBe((line.text.match(/<\/span>/g) ?? []).length);
    expect(lines.map((l) => textOf(l.text))).toEqual(source.split('\n'));
    expect(lines[1]!.text.startsWith('<span class="hljs-comment">two */</span>')).toBe(true);
  });

  it('escapes markup in the source', () => {
    const [line] = highlightLines('const s = "<script>alert(1)</script>"; // <img onerror=x>', 'javascript');
    expect(line!.text).not.toMatch(/<script|<img/);
    expect(textOf(line!.text)).toBe('const s = "<script>alert(1)</script>"; // <img onerror=x>');
  });

  it('escapes without highlighting a source too large to highlight', () => {
    const big = `// <b>\n${'x'.repeat(MAX_HIGHLIGHT_CHARS)}`;
    expect(highlightLines(big, 'typescript')[0]!.text).toBe('// &lt;b&gt;');
  });

  it('splitLines() closes and reopens spans across a break', () => {
    expect(splitLines('<span class="a">x\ny</span>z')).toEqual(['<span class="a">x</span>', '<span class="a">y</span>z']);
  });
});

describe('markColumn()', () => {
  it('wraps the character at a 1-based column, counting an entity as one character', () => {
    expect(markColumn(raw('<span class="k">if</span> (a &lt; b)'), 7).text).toBe('<span class="k">if</span> (a <span class="col-mark">&lt;</span> b)');
    expect(markColumn(raw('ab'), 1).text).toBe('<span class="col-mark">a</span>b');
  });

  it('marks a space after the line for a column past its end', () => {
    expect(markColumn(raw('ab'), 9).text).toBe('ab<span class="col-mark"> </span>');
  });
});
