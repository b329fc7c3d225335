import { describe, expect, it } from 'vitest';

import { diffRows } from '../../../src/console/diff-view.js';

const plain = (rows: ReturnType<typeof diffRows>) =>
  rows.map((r) => [r.kind, r.left?.n ?? null, r.right?.n ?? null, (r.left ?? r.right)!.code.text.replace(/<[^>]+>/g, '')]);

describe('diffRows()', () => {
  it('pairs removed and added lines side by side, and numbers each side on its own', () => {
    const before = 'a\nb\nc\nd';
    const after = 'a\nB\nc\nd\ne';
    expect(plain(diffRows(before, after, 'javascript'))).toEqual([
      ['same', 1, 1, 'a'],
      ['changed', 2, 2, 'b'],
      ['same', 3, 3, 'c'],
      ['same', 4, 4, 'd'],
      ['added', null, 5, 'e'],
    ]);
  });

  it('keeps more removed than added lines as removals after the pairs', () => {
    expect(plain(diffRows('x\n1\n2\n3\ny', 'x\n9\ny', 'javascript')).map((r) => r.slice(0, 3))).toEqual([
      ['same', 1, 1],
      ['changed', 2, 2],
      ['removed', 3, null],
      ['removed', 4, null],
      ['same', 5, 3],
    ]);
  });
});
