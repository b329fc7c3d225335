import type { WorkerFault } from './protocol.js';

/**
 * The one place that interprets isolated-vm's error messages (5.0.4). Each message has a test
 * in test/unit/sandbox-host/classify.test.ts that makes it with a real isolate, so an upgrade
 * that rewords one fails CI rather than turning timeouts into "internal" errors in production.
 */
export function classifyIsolateError(
  error: unknown,
  context: { wallClockExpired: boolean; timeoutMs: number; memoryMb: number },
): WorkerFault {
  const message = error instanceof Error ? error.message : String(error);
  if (context.wallClockExpired) {
    return {
      kind: 'timeout',
      message: `The call did not finish within its ${context.timeoutMs} ms deadline (wall clock). A promise that never settles, or work that outlives the call, causes this. Make sure every promise the tool awaits settles, or raise timeout_ms.`,
    };
  }
  if (isCpuTimeout(error)) {
    return {
      kind: 'timeout',
      message: `The call used more than its ${context.timeoutMs} ms CPU-time limit. Look for an infinite loop or unbounded recursion, or raise timeout_ms.`,
    };
  }
  if (/memory limit/i.test(message)) {
    return {
      kind: 'memory',
      // isolated-vm disposes the isolate at the kill (more than the limit still in use after a
      // full garbage collection), and with it the call's CPU samples: no location survives.
      message: `The call exceeded its ${context.memoryMb} MB memory limit and was stopped: after a full garbage collection its heap still held more than ${context.memoryMb} MB. Chameleon cannot say where it was allocating: the engine discards the isolate at that moment, and every record of the call with it. Look for arrays, strings or maps that grow without bound; use less memory (stream or page the data), or raise memory_mb.`,
    };
  }
  // The message may carry guest-chosen text: the agent gets a fixed sentence.
  return { kind: 'internal', message: 'The sandbox failed while running the call (its isolate was reset). Retry the call; if it fails again, simplify what the tool throws or returns.' };
}

/** isolated-vm stopped the call at its `timeout` (CPU time of the entry). */
export function isCpuTimeout(error: unknown): boolean {
  return /Script execution timed out/i.test(error instanceof Error ? error.message : String(error));
}

/**
 * Guest errors that are really the memory limit speaking: V8 refuses an ArrayBuffer that would
 * pass the isolate's limit with this RangeError, which the guest sees (and may catch) first.
 */
export function isMemoryLimitError(name: string, message: string): boolean {
  return name === 'RangeError' && /^Array buffer allocation failed/.test(message);
}

/** V8's messages for writes to frozen or non-extensible objects (and our lockdown setter's). */
const FROZEN_WRITE = /object is not extensible|Cannot assign to read only property|Cannot redefine property|Cannot delete property|frozen built-in/;

export const FROZEN_REALM_HINT =
  'Chameleon runs tools in a hardened realm: built-ins and the global object are frozen, so no call can change what the next one sees. Keep state in your own objects and module variables.';

/** A hint for an agent whose tool tried to change the frozen realm, or null. */
export function frozenRealmHint(name: string, message: string): string | null {
  return name === 'TypeError' && FROZEN_WRITE.test(message) ? FROZEN_REALM_HINT : null;
}
