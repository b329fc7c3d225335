/**
 * The classifier reads isolated-vm's (and V8's) error messages, so every message it relies on
 * is produced here by a REAL isolated-vm 5.0.4 isolate and fed to it as thrown: an upgrade
 * that rewords one fails this file, not production. (Strings written in the test would only
 * check the regexes against themselves.) Small limits and short timeouts keep each case fast;
 * every isolate is disposed. No message the classifier relies on needs a crashed process.
 */
import ivm from 'isolated-vm';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyIsolateError, frozenRealmHint, isMemoryLimitError } from '../../../src/sandbox-host/classify.js';

const base = { wallClockExpired: false, timeoutMs: 100, memoryMb: 8 };
const SPIN = 'for (;;) {}';

const isolates: ivm.Isolate[] = [];
afterEach(() => {
  for (const isolate of isolates.splice(0)) if (!isolate.isDisposed) isolate.dispose();
});

/** A new isolate (8 MB, isolated-vm's minimum) with one context, disposed after the test. */
function fresh(): { isolate: ivm.Isolate; context: ivm.Context } {
  const isolate = new ivm.Isolate({ memoryLimit: 8 });
  isolates.push(isolate);
  return { isolate, context: isolate.createContextSync() };
}

/** What `action` throws (or rejects with); fails the test if it does not. */
async function thrownBy(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the isolate to throw');
}

/**
 * The message, checked word for word as well: a rewording that still classifies the same is
 * worth a look at the classifier too. (These are 5.0.4's words; the old hard-coded list had
 * "Isolate is disposed", which 5.0.4 never says: it says "Isolated is disposed".)
 */
function messageOf(error: unknown): string {
  expect(error).toBeInstanceOf(Error);
  return (error as Error).message;
}

/** Runs `code` in a fresh isolate and returns `name: message` of what it throws inside. */
function guestError(code: string): { name: string; message: string } {
  const { isolate, context } = fresh();
  const text = isolate.compileScriptSync(`try { (() => { ${code} })(); 'nothing thrown' } catch (e) { e.name + '\\n' + e.message }`).runSync(context, { timeout: 1_000 }) as string;
  const [name = '', message = ''] = text.split('\n');
  return { name, message };
}

describe('classifyIsolateError() on errors from a real isolate', () => {
  it('classifies the CPU time limit of script.run() as a timeout that names timeout_ms', async () => {
    const { isolate, context } = fresh();
    const error = await thrownBy(() => isolate.compileScriptSync(SPIN).run(context, { timeout: 20 }));
    expect(messageOf(error)).toBe('Script execution timed out.');
    const fault = classifyIsolateError(error, base);
    expect(fault.kind, String(error)).toBe('timeout');
    expect(fault.message).toMatch(/timeout_ms/);
  });

  it('classifies the CPU time limit of Reference.applySync() (the worker fast path) as a timeout', async () => {
    const { isolate, context } = fresh();
    const spin = isolate.compileScriptSync(`(function () { ${SPIN} })`).runSync(context, { reference: true }) as ivm.Reference<() => void>;
    const error = await thrownBy(() => spin.applySync(undefined, [], { timeout: 20 }));
    expect(messageOf(error)).toBe('Script execution timed out.');
    expect(classifyIsolateError(error, base).kind, String(error)).toBe('timeout');
  });

  it('classifies an isolate killed by its memory limit as memory, naming memory_mb', async () => {
    const { isolate, context } = fresh();
    const error = await thrownBy(() => isolate.compileScriptSync('const a = []; for (;;) a.push({ x: new Array(100).fill(1) });').run(context, { timeout: 5_000 }));
    expect(isolate.isDisposed).toBe(true);
    expect(messageOf(error)).toBe('Isolate was disposed during execution due to memory limit');
    const fault = classifyIsolateError(error, base);
    expect(fault.kind, String(error)).toBe('memory');
    expect(fault.message).toMatch(/memory_mb/);
  });

  // The worker's wall-clock deadline disposes the isolate under a running call.
  async function disposedDuringExecution(): Promise<unknown> {
    const { isolate, context } = fresh();
    const running = isolate.compileScriptSync(SPIN).run(context, { timeout: 5_000 });
    setTimeout(() => isolate.dispose(), 30);
    return thrownBy(() => running);
  }

  it('classifies an isolate disposed during execution as internal (not memory)', async () => {
    const error = await disposedDuringExecution();
    expect(messageOf(error)).toBe('Isolate was disposed during execution');
    expect(classifyIsolateError(error, base).kind, String(error)).toBe('internal');
  });

  it('reports a wall-clock timeout when the deadline timer disposed the isolate', async () => {
    const error = await disposedDuringExecution();
    const fault = classifyIsolateError(error, { ...base, wallClockExpired: true });
    expect(fault.kind).toBe('timeout');
    expect(fault.message).toMatch(/100 ms deadline/);
  });

  it('classifies use of an already disposed isolate as internal', async () => {
    const { isolate } = fresh();
    isolate.dispose();
    const error = await thrownBy(() => isolate.createContextSync());
    expect(messageOf(error)).toBe('Isolated is disposed');
    expect(classifyIsolateError(error, base).kind, String(error)).toBe('internal');
  });

  // Not isolated-vm messages: the fallback, and the non-Error values a rejection may carry.
  it('classifies an unknown message as internal, with a fixed sentence', () => {
    const fault = classifyIsolateError(new Error('something new'), base);
    expect(fault).toMatchObject({ kind: 'internal' });
    expect(fault.message).not.toContain('something new');
  });

  it('accepts thrown non-Errors', () => {
    expect(classifyIsolateError('Script execution timed out.', base).kind).toBe('timeout');
  });
});

describe('isMemoryLimitError() on errors from a real isolate', () => {
  it('is true for the RangeError V8 throws when an ArrayBuffer would pass the limit', () => {
    const { name, message } = guestError('new ArrayBuffer(256 * 1024 * 1024);');
    expect(isMemoryLimitError(name, message), `${name}: ${message}`).toBe(true);
  });

  it('is false for other RangeErrors', () => {
    const { name, message } = guestError("'x'.repeat(2 ** 30);");
    expect(name).toBe('RangeError');
    expect(isMemoryLimitError(name, message), message).toBe(false);
  });
});

describe('frozenRealmHint() on errors from a real isolate', () => {
  it.each([
    ['adding a property', "'use strict'; Object.freeze(globalThis.o = {}).planted = 1;"],
    ['defining a property', "Object.defineProperty(Object.freeze({}), 'captured', { value: 1 });"],
    ['assigning a read-only property', "'use strict'; Object.freeze({ parse: 1 }).parse = 2;"],
    ['redefining a property', "const o = Object.freeze({ push: 1 }); Object.defineProperty(o, 'push', { value: 2 });"],
    ['deleting a property', "'use strict'; delete Object.freeze({ x: 1 }).x;"],
  ])('gives the hint for %s on a frozen object', (_what, code) => {
    const { name, message } = guestError(code);
    expect(frozenRealmHint(name, message), `${name}: ${message}`).not.toBeNull();
  });

  // Our own message, thrown by sandbox/lockdown.ts's setter, not one of V8's.
  it('gives the hint for the lockdown setter of a frozen built-in', () => {
    expect(frozenRealmHint('TypeError', "Cannot assign to read only property 'x' of a frozen built-in")).not.toBeNull();
  });

  it('gives no hint for other TypeErrors, nor for another error type', () => {
    const { name, message } = guestError('const u = undefined; u.x;');
    expect(frozenRealmHint(name, message), message).toBeNull();
    expect(frozenRealmHint('RangeError', guestError("'use strict'; Object.freeze({ x: 1 }).x = 2;").message)).toBeNull();
  });
});
