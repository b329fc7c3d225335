import { describe, expect, it } from 'vitest';
import { terminalSafe, truncate } from '../../src/terminal-text.js';

const ESC = '\u001b';
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_OR_ESCAPE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('terminalSafe()', () => {
  const singleLine: [string, string, string][] = [
    ['plain text is untouched', 'TypeError: x is not a function', 'TypeError: x is not a function'],
    ['SGR colour codes are removed', `${ESC}[31mred${ESC}[0m text`, 'red text'],
    ['cursor movement and screen clearing are removed', `a${ESC}[2J${ESC}[H${ESC}[10;20Hb`, 'ab'],
    ['private modes (alternate screen, hidden cursor) are removed', `${ESC}[?1049h${ESC}[?25lx`, 'x'],
    ['OSC window titles ending in BEL are removed', `${ESC}]0;pwned${'\u0007'}ok`, 'ok'],
    ['OSC 8 hyperlinks ending in ST are removed, their text kept', `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`, 'click'],
    ['OSC 52 clipboard writes are removed', `${ESC}]52;c;cm0gLXJmIC8K${'\u0007'}x`, 'x'],
    ['DCS strings are removed', `${ESC}P+q544e${ESC}\\y`, 'y'],
    ['two-character escapes (reset, save cursor) are removed', `${ESC}c${ESC}7z`, 'z'],
    ['8-bit CSI is removed', '\u009b31mred', 'red'],
    ['8-bit OSC is removed', '\u009d0;title\u0007t', 't'],
    ['a lone ESC becomes a visible replacement character', `a${ESC}`, 'a\ufffd'],
    ['an unterminated OSC does not swallow the rest', `${ESC}]0;still visible`, '0;still visible'],
    ['carriage return cannot overwrite the line', 'innocent\rEVIL', 'innocent EVIL'],
    ['backspace and bell become replacement characters', 'ab\u0008\u0007c', 'ab\ufffd\ufffdc'],
    ['newlines and tabs become spaces', 'a\nb\tc\u2028d', 'a b c d'],
    ['bidi overrides (Trojan Source) are neutralised', 'access\u202e\u2066level', 'access\ufffd\ufffdlevel'],
    ['bidi marks (LRM, RLM, ALM) are neutralised', 'a\u200eb\u200fc\u061cd', 'a\ufffdb\ufffdc\ufffdd'],
    ['DEL and C1 controls are neutralised', 'a\u007fb\u0085c', 'a\ufffdb\ufffdc'],
  ];
  it.each(singleLine)('%s', (_name, input, expected) => {
    expect(terminalSafe(input)).toBe(expected);
  });

  const multiLine: [string, string, string][] = [
    ['keeps \\n and tabs', 'line 1\n\tline 2', 'line 1\n\tline 2'],
    ['turns \\r\\n, \\r and U+2028 into \\n', 'a\r\nb\rc\u2028d', 'a\nb\nc\nd'],
    ['still strips escapes', `${ESC}[1mbold${ESC}[22m\n${ESC}]0;t\u0007x`, 'bold\nx'],
    ['still neutralises other controls', 'a\u0000b\u0007c\u001b', 'a\ufffdb\ufffdc\ufffd'],
  ];
  it.each(multiLine)('multiline %s', (_name, input, expected) => {
    expect(terminalSafe(input, { multiline: true })).toBe(expected);
  });

  it('leaves no control character or escape in any mix of hostile input', () => {
    const nasty = Array.from({ length: 0x100 }, (_, i) => String.fromCharCode(i)).join('') + `${ESC}[${ESC}]${ESC}P\u009b\u009d\u202e\u200f\u061c`;
    for (const multiline of [false, true]) {
      const safe = terminalSafe(nasty.repeat(3), { multiline });
      expect(safe).not.toMatch(CONTROL_OR_ESCAPE);
    }
  });

  it('caps the text when max is given, marking the cut', () => {
    expect(terminalSafe('x'.repeat(50), { max: 10 })).toBe(`${'x'.repeat(9)}…`);
    expect(terminalSafe('short', { max: 10 })).toBe('short');
  });

  it('turns non-strings into text', () => {
    expect(terminalSafe(42)).toBe('42');
    expect(terminalSafe(null)).toBe('null');
  });
});

describe('truncate()', () => {
  it('counts code points, so it never splits a surrogate pair', () => {
    expect(truncate('😀😀😀😀', 3)).toBe('😀😀…');
    expect(truncate('😀😀', 2)).toBe('😀😀');
  });
});
