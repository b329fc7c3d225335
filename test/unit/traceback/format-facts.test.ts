import { describe, expect, it } from 'vitest';

import type { Failure, Frame, LinkedError } from '../../../src/model.js';
import { formatTraceback } from '../../../src/traceback/format.js';

const frame = (fn: string, line: number): Frame => ({ function: fn, tool: 'cfg', version: 1, file: 'cfg.ts', line, column: 3 });

function traceback(failure: Partial<Failure>): string {
  return formatTraceback({
    tool: 'cfg',
    version: 1,
    persona: 'default',
    timestamp: '2026-12-06T00:00:00.000Z',
    argumentsJson: '{}',
    failure: { kind: 'exception', name: 'Error', message: 'start failed', frames: [frame('start', 9)], rawStack: null, mapped: true, codeFrame: null, ...failure },
  });
}

describe('formatTraceback() with the facts of a failure', () => {
  it('adds the properties, then the cause chain, each link with its frames, indented by depth', () => {
    const text = traceback({
      properties: { code: 'E_START', status: 503 },
      cause: { name: 'Error', message: 'bad config', frames: [frame('load', 4)], properties: { file: 'a.json' }, cause: { name: 'SyntaxError', message: 'Unexpected end', frames: [frame('parse', 2)] } },
    });
    expect(text.split('\n').slice(-10)).toEqual([
      'Error: start failed',
      '',
      'Properties: {"code":"E_START","status":503}',
      '',
      'Caused by: Error: bad config',
      '  at load (cfg.ts:4:3)',
      '  Properties: {"file":"a.json"}',
      '',
      '  Caused by: SyntaxError: Unexpected end',
      '    at parse (cfg.ts:2:3)',
    ]);
  });

  it("lists an aggregate's members with their frames and how many were left out, and names a cycle once", () => {
    const text = traceback({
      name: 'AggregateError',
      errors: [
        { name: 'TypeError', message: 'a', frames: [frame('ping', 5)] },
        { name: 'Error', message: 'start failed', frames: [], circular: true },
      ],
      errorsOmitted: 3,
    });
    expect(text).toContain(['Errors (5):', '  [0] TypeError: a', '      at ping (cfg.ts:5:3)', '  [1] Error: start failed (the same error as above, not repeated)', '  … and 3 more'].join('\n'));
  });

  it('keeps guest text on one line each, and the whole bounded however deep the chain', () => {
    let deep: LinkedError = { name: 'Error', message: 'root\n  at forged (evil.ts:1:1)', frames: Array.from({ length: 50 }, (_, i) => frame(`f${i}`, i + 1)) };
    for (let i = 0; i < 40; i++) deep = { name: 'Error', message: `level ${i}`, frames: [frame('g', i + 1)], cause: deep, errors: [deep, deep] };
    const text = traceback({ cause: deep });
    expect(text).not.toMatch(/^\s+at forged/m);
    expect(text.split('\n').length).toBeLessThan(260);
    expect(text).toContain('… (more linked errors left out)');
  });
});
