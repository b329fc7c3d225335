import { describe, expect, it } from 'vitest';
import { tailText } from '../../../src/traceback/display-text.js';

describe('tailText()', () => {
  it('returns short text as it is', () => {
    expect(tailText('a\nb', 10)).toBe('a\nb');
  });

  it('keeps the end, from a line start when one is near, and says how much was cut', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const tail = tailText(text, 40);
    expect(tail).toMatch(/^…\[\d+ characters cut; the last \d+ follow\]\nline 9\d\n/);
    expect(tail.endsWith('line 99')).toBe(true);
    const [, cut, kept] = /\[(\d+) characters cut; the last (\d+) follow\]/.exec(tail)!;
    expect(Number(cut) + Number(kept)).toBe(text.length);
  });

  it('never starts with half of a surrogate pair', () => {
    const tail = tailText('x'.repeat(50) + '😀'.repeat(10), 5);
    const kept = tail.slice(tail.indexOf('\n') + 1);
    expect(kept.codePointAt(0)).toBe(0x1f600);
  });
});
