import type ivm from 'isolated-vm';
import type { CpuSampler } from './cpu-profile.js';
import type { Realm } from './isolate-cache.js';

/**
 * What run-job.ts reads from an isolate after a call: its heap, the console of a call that was
 * stopped, what an entry produced before it threw. Each is a synchronous entry into the
 * isolate (a few us), except while another call profiles the isolate: a synchronous entry
 * then starts a V8 profiler on this thread, which cost 50-200 ms (cpu-profile.ts), so the
 * read goes through isolated-vm's thread pool instead.
 */
export type MaybePromise<T> = T | Promise<T>;

/** `f(value)`, at once when `value` is not a promise. */
export function then<T, U>(value: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

export function heapUsed(isolate: ivm.Isolate, sampler: Pick<CpuSampler, 'profiling'>): MaybePromise<number | null> {
  if (isolate.isDisposed) return null;
  if (sampler.profiling(isolate)) return isolate.getHeapStatistics().then((s) => s.used_heap_size, () => null);
  try {
    return isolate.getHeapStatisticsSync().used_heap_size;
  } catch {
    return null;
  }
}

/** What a call printed before a CPU timeout stopped it (the isolate itself is still healthy). */
export function recoverConsole(isolate: ivm.Isolate, context: ivm.Context, sampler: Pick<CpuSampler, 'profiling'>): MaybePromise<string> {
  if (isolate.isDisposed) return '';
  const text = (value: unknown): string => (typeof value === 'string' ? value.slice(0, 70_000) : '');
  if (sampler.profiling(isolate)) return context.eval('__chameleon_console()', { timeout: 50 }).then(text, () => '');
  try {
    return text(context.evalSync('__chameleon_console()', { timeout: 50 }));
  } catch {
    return '';
  }
}

/** What the entry had produced if it returned before its call threw (prelude's `abandon`), else null. */
export function abandoned(isolate: ivm.Isolate, realm: Realm, sampler: Pick<CpuSampler, 'profiling'>): MaybePromise<string | null> {
  if (isolate.isDisposed) return null;
  const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  if (sampler.profiling(isolate)) return realm.abandon.apply(undefined, [], { timeout: 50 }).then(text, () => null);
  try {
    return text(realm.abandon.applySync(undefined, [], { timeout: 50 }));
  } catch {
    return null;
  }
}
