import { describe, expect, it } from 'vitest';
import { classifyIsolateError, frozenRealmHint, isMemoryLimitError } from '../../../src/sandbox-host/classify.js';

// These are the messages isolated-vm 5.0.4 produces; each was seen in a real run (see the
// integration tests). If an upgrade rewords one, this file fails before production does.
const base = { wallClockExpired: false, timeoutMs: 100, memoryMb: 16 };

describe('classifyIsolateError()', () => {
  it.each([
    ['Script execution timed out.', 'timeout'],
    ['Isolate was disposed during execution due to memory limit', 'memory'],
    ['Isolate was disposed during execution', 'internal'],
    ['Isolate is disposed', 'internal'],
    ['something new', 'internal'],
  ])('classifies %j as %s', (message, kind) => {
    expect(classifyIsolateError(new Error(message), base).kind).toBe(kind);
  });

  it('reports a wall-clock timeout when the deadline timer disposed the isolate', () => {
    const fault = classifyIsolateError(new Error('Isolate was disposed during execution'), { ...base, wallClockExpired: true });
    expect(fault.kind).toBe('timeout');
    expect(fault.message).toMatch(/100 ms deadline/);
  });

  it('names the limit in its messages so an agent knows what to change', () => {
    expect(classifyIsolateError(new Error('Script execution timed out.'), base).message).toMatch(/timeout_ms/);
    expect(classifyIsolateError(new Error('Isolate was disposed during execution due to memory limit'), base).message).toMatch(/memory_mb/);
  });

  it('accepts thrown non-Errors', () => {
    expect(classifyIsolateError('Script execution timed out.', base).kind).toBe('timeout');
  });
});

describe('isMemoryLimitError()', () => {
  it.each([
    ['RangeError', 'Array buffer allocation failed', true],
    ['RangeError', 'Invalid string length', false],
    ['Error', 'Array buffer allocation failed', false],
  ])('%s: %s -> %s', (name, message, expected) => {
    expect(isMemoryLimitError(name, message)).toBe(expected);
  });
});

describe('frozenRealmHint()', () => {
  it.each([
    ['TypeError', 'Cannot define property captured, object is not extensible', true],
    ['TypeError', 'Cannot add property planted, object is not extensible', true],
    ["TypeError", "Cannot assign to read only property 'parse' of object '#<Object>'", true],
    ['TypeError', 'Cannot redefine property: push', true],
    ["TypeError", "Cannot delete property 'x' of #<Object>", true],
    ['TypeError', "Cannot read properties of undefined (reading 'x')", false],
    ['RangeError', 'Cannot redefine property: push', false],
  ])('%s: %s -> %s', (name, message, expected) => {
    expect(frozenRealmHint(name, message) !== null).toBe(expected);
  });
});
