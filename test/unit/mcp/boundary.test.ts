import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import type { Logger } from '../../../src/logger.js';
import { errorResult } from '../../../src/mcp/boundary.js';

function recordingLogger() {
  const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const log = (message: string, fields?: Record<string, unknown>) => lines.push({ message, ...(fields ? { fields } : {}) });
  const logger: Logger = { debug: log, info: log, warn: log, error: log };
  return { logger, lines };
}

const textOf = (r: ReturnType<typeof errorResult>) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('errorResult()', () => {
  it('passes a user error through with its code and message, and logs nothing', () => {
    const { logger, lines } = recordingLogger();
    const result = errorResult(new AppError('TOOL_NOT_FOUND', 'Tool `x` not found. Call `list_tools`.'), logger, { tool: 'x' });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ error: { code: 'TOOL_NOT_FOUND', message: 'Tool `x` not found. Call `list_tools`.' } });
    expect(lines).toEqual([]);
  });

  it('hides an unexpected error behind an incident id, and logs its stack under that id', () => {
    const { logger, lines } = recordingLogger();
    const bug = new TypeError('secret host detail at /srv/chameleon/dist/x.js');
    const result = errorResult(bug, logger, { tool: 'x' });
    const text = textOf(result);
    const incident = /incident (inc_[0-9a-f]{12})/.exec(text)?.[1];
    expect(incident).toBeDefined();
    expect(text).not.toMatch(/secret host detail|\/srv\/|TypeError|at /);
    expect(result.structuredContent).toMatchObject({ error: { code: 'INTERNAL', incident_id: incident } });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toContain(incident!);
    expect(JSON.stringify(lines[0]!.fields)).toContain('secret host detail');
    expect(JSON.stringify(lines[0]!.fields)).toContain('boundary.test.ts'); // the stack is logged
  });

  it('keeps a system AppError message for the agent, with an incident id, and logs its cause', () => {
    const { logger, lines } = recordingLogger();
    const err = new AppError('STORE_FAILURE', 'The call ran, but its log row could not be written.', { cause: new Error('SQLITE_FULL') });
    const result = errorResult(err, logger, {});
    expect(textOf(result)).toMatch(/^The call ran, but its log row could not be written\. \(incident inc_[0-9a-f]{12}\)$/);
    expect(JSON.stringify(lines[0]!.fields)).toContain('SQLITE_FULL');
  });

  it('survives a thrown non-Error', () => {
    const { logger } = recordingLogger();
    expect(errorResult('just a string', logger, {}).structuredContent).toMatchObject({ error: { code: 'INTERNAL' } });
  });
});
