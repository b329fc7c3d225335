/**
 * The server's stderr log prints text a client chose (HTTP headers, tool names in errors, a
 * sandbox's stderr). A terminal obeys the control characters in it, so createStderrLogger()
 * passes every line through terminalSafe(), once, in the logger.
 */
import { describe, expect, it } from 'vitest';
import { createStderrLogger } from '../../src/logger.js';

/** What must never reach stderr: C0 but \n and \t, DEL, C1, bidi overrides, isolates and marks. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function capture(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line) => lines.push(line) };
}

describe('createStderrLogger()', () => {
  // Labelled: a test name holding the characters themselves would act on the runner's terminal.
  const hostile: [string, string][] = [
    ['ESC sequences (clear screen, window title)', '\u001b[2J\u001b]0;pwned\u0007'],
    ['their 8-bit C1 forms (CSI, OSC, ST)', '\u009b31mred\u009d0;title\u009c'],
    ['other C1 controls', '\u0085\u0090\u009f'],
    ['bidi overrides and isolates (Trojan Source)', 'access\u202e\u2066level\u2069\u202c'],
    ['bidi marks', 'mark\u200e\u200f\u061c'],
    ['C0 controls', 'bell\u0007back\u0008cr\rend'],
  ];

  it.each(hostile)('writes no control character for a message with %s', (_label, text) => {
    const out = capture();
    createStderrLogger('debug', out.write).warn(`refused a request from ${text}`);
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).not.toMatch(UNSAFE);
    expect(out.lines[0]).toMatch(/^\[chameleon\] warn: refused a request from .*\n$/s);
  });

  it.each(hostile)('writes no control character for a field with %s', (_label, text) => {
    const out = capture();
    createStderrLogger('debug', out.write).warn('refused a request from a foreign Origin', { origin: text, nested: { tool: text } });
    expect(out.lines[0]).not.toMatch(UNSAFE);
  });

  it('keeps ordinary text, and its fields as JSON', () => {
    const out = capture();
    createStderrLogger('info', out.write).info('listening on http://127.0.0.1:1234/mcp', { persona: 'default', auth: 'none' });
    expect(out.lines).toEqual(['[chameleon] info: listening on http://127.0.0.1:1234/mcp {"persona":"default","auth":"none"}\n']);
  });

  it('indents the continuation lines of a multi-line message, so they cannot pass for log lines', () => {
    const out = capture();
    createStderrLogger('info', out.write).warn('sandbox 12: first\n[chameleon] error: forged\r\n\tthird');
    expect(out.lines).toEqual(['[chameleon] warn: sandbox 12: first\n  [chameleon] error: forged\n  \tthird\n']);
  });

  it('writes nothing below its level', () => {
    const out = capture();
    createStderrLogger('warn', out.write).info('\u009bquiet');
    expect(out.lines).toEqual([]);
  });
});
