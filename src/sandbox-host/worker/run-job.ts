import type ivm from 'isolated-vm';
import { classifyIsolateError } from '../classify.js';
import type { RunJob, RunReply } from '../protocol.js';
import { NeedCodeError, type IsolateCache } from './isolate-cache.js';

/**
 * Runs one call in the tool's hardened context, under its CPU-time limit (isolated-vm
 * `timeout`) and its wall-clock deadline (a timer that disposes the isolate, because `timeout`
 * does not see a promise that never settles). Always resolves; never throws.
 */
const WALL_CLOCK_SLACK_MS = 50;

export async function runJob(cache: IsolateCache, job: RunJob): Promise<RunReply> {
  const entry = cache.get(job.isolateKey, job.memoryMb);
  const { isolate } = entry;
  entry.inFlight++;
  let wallClockExpired = false;
  // The wall clock fires a little after the CPU limit, so a synchronous spin is reported as
  // the CPU timeout it is; only calls that wait (or run outside `timeout`) meet this timer.
  const deadline = setTimeout(() => {
    wallClockExpired = true;
    entry.dispose();
  }, job.timeoutMs + WALL_CLOCK_SLACK_MS);
  const cpuBefore = safeCpuTime(isolate);
  let context: ivm.Context | undefined;
  const reply = (fields: Partial<RunReply>): RunReply => ({
    type: 'result',
    id: job.id,
    envelope: null,
    fault: null,
    console: '',
    cpuMs: cpuDeltaMs(isolate, cpuBefore),
    heapUsedBytes: heapUsed(isolate),
    ...fields,
  });
  try {
    context = await entry.context();
    const entryRef = await entry.entry(job.scriptKey, job.filename, job.compiledJs);
    const envelope = await entryRef.apply(undefined, [job.argsJson, job.metaJson], {
      timeout: job.timeoutMs,
      result: { promise: true },
    });
    if (typeof envelope !== 'string') {
      return reply({ fault: { kind: 'internal', message: 'The sandbox prelude returned no result envelope.' } });
    }
    return reply({ envelope });
  } catch (error) {
    if (error instanceof NeedCodeError) return reply({ needCode: true });
    const fault = classifyIsolateError(error, { wallClockExpired, timeoutMs: job.timeoutMs, memoryMb: job.memoryMb });
    // Read the usage while the isolate still exists: a CPU timeout's cpu_ms is the evidence.
    const usage = { cpuMs: cpuDeltaMs(isolate, cpuBefore), heapUsedBytes: heapUsed(isolate) };
    if (fault.kind === 'memory' || isolate.isDisposed) entry.dispose();
    const console = context ? recoverConsole(isolate, context) : '';
    // A call stopped mid-way may leave jobs in the microtask queue, which would run inside
    // the next call of this tool. No context that was interrupted serves another call.
    entry.dispose();
    return reply({ fault, console, ...usage });
  } finally {
    clearTimeout(deadline);
    entry.inFlight--;
  }
}

/** What a call printed before a CPU timeout stopped it (the isolate itself is still healthy). */
function recoverConsole(isolate: ivm.Isolate, context: ivm.Context): string {
  if (isolate.isDisposed) return '';
  try {
    const text: unknown = context.evalSync('__chameleon_console()', { timeout: 50 });
    return typeof text === 'string' ? text.slice(0, 70_000) : '';
  } catch {
    return '';
  }
}

function safeCpuTime(isolate: ivm.Isolate): bigint | null {
  try {
    return isolate.cpuTime;
  } catch {
    return null;
  }
}

function cpuDeltaMs(isolate: ivm.Isolate, before: bigint | null): number | null {
  const after = safeCpuTime(isolate);
  if (before === null || after === null) return null;
  return Number(after - before) / 1e6;
}

function heapUsed(isolate: ivm.Isolate): number | null {
  try {
    return isolate.isDisposed ? null : isolate.getHeapStatisticsSync().used_heap_size;
  } catch {
    return null;
  }
}
