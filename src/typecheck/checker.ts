/**
 * The server's TypeScript checker (issue 17, item 1): one worker thread (worker.ts), started on
 * the first check and reused, so that loading TypeScript (~0.4-0.5 s) and checking never run on
 * the server's event loop. Checks wait in a bounded queue and go to the worker one at a time.
 *
 * The checker is advisory, and its faults must never reach a save: `check` never rejects. A
 * check that passes its deadline (a pathological type can keep the checker busy for long)
 * terminates the worker; a worker that dies (out of its heap, say) fails the check it was on;
 * either way the next check starts a fresh worker. A full queue answers `busy` at once.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import type { CheckRequest, TypeDiagnostic } from './types.js';
import type { WorkerAnswer, WorkerReady } from './worker-protocol.js';

export interface TypeCheckerOptions {
  /** A check's deadline from when the worker takes it; the first one includes loading TypeScript. */
  timeoutMs: number;
  /** Checks waiting or running at most; more are answered `busy`. */
  maxQueued: number;
  /** The worker's heap limit (resourceLimits.maxOldGenerationSizeMb). */
  memoryMb: number;
  logger: Logger;
  /** The worker script; default dist/typecheck/worker.js. */
  workerPath?: string;
}

export type CheckOutcome =
  | { ok: true; diagnostics: TypeDiagnostic[]; total: number; ms: number }
  | { ok: false; reason: 'busy' | 'timeout' | 'crashed' | 'closed'; message: string };

export interface TypeChecker {
  check(request: CheckRequest): Promise<CheckOutcome>;
  /** Whether a worker is running now (tests, bench). */
  running(): boolean;
  close(): Promise<void>;
}

interface Job {
  id: number;
  request: CheckRequest;
  resolve: (outcome: CheckOutcome) => void;
}

export function createTypeChecker(options: TypeCheckerOptions): TypeChecker {
  const queue: Job[] = [];
  let current: { job: Job; timer: NodeJS.Timeout } | null = null;
  let worker: Worker | null = null;
  let nextId = 1;
  let closed = false;

  function start(): Worker {
    const w = new Worker(options.workerPath ?? workerScriptPath(), { resourceLimits: { maxOldGenerationSizeMb: options.memoryMb }, stdout: false, stderr: false });
    // The server may exit with an idle checker: only a check in progress keeps it (see send()).
    w.unref();
    w.on('message', (message: WorkerAnswer | WorkerReady) => {
      if ('ready' in message) return;
      if (current === null || current.job.id !== message.id) return;
      const { job, timer } = current;
      clearTimeout(timer);
      current = null;
      job.resolve(message.ok ? { ok: true, diagnostics: message.diagnostics, total: message.total, ms: message.ms } : { ok: false, reason: 'crashed', message: `the checker failed: ${message.message}` });
      pump();
    });
    w.on('error', (error) => lost(w, 'crashed', `the checker's worker failed: ${error.message}`));
    w.on('exit', (code) => lost(w, 'crashed', `the checker's worker exited (code ${code})`));
    return w;
  }

  /** The worker `w` is gone (or must go): the check it was on fails, the next check starts another. */
  function lost(w: Worker, reason: 'timeout' | 'crashed', message: string): void {
    if (worker !== w) return;
    worker = null;
    void w.terminate().catch(() => undefined);
    if (current !== null) {
      clearTimeout(current.timer);
      current.job.resolve({ ok: false, reason, message });
      current = null;
    }
    options.logger.warn('type checker worker replaced', { reason, message });
    pump();
  }

  function pump(): void {
    if (closed || current !== null) return;
    const job = queue.shift();
    if (job === undefined) {
      worker?.unref();
      return;
    }
    worker ??= start();
    const w = worker;
    w.ref();
    const timer = setTimeout(() => lost(w, 'timeout', `the checker did not answer within ${options.timeoutMs} ms`), options.timeoutMs);
    current = { job, timer };
    w.postMessage({ id: job.id, request: job.request });
  }

  return {
    check(request) {
      if (closed) return Promise.resolve({ ok: false, reason: 'closed', message: 'the server is closing' });
      if (queue.length + (current === null ? 0 : 1) >= options.maxQueued) {
        return Promise.resolve({ ok: false, reason: 'busy', message: `${options.maxQueued} checks were already waiting` });
      }
      return new Promise<CheckOutcome>((resolve) => {
        queue.push({ id: nextId++, request, resolve });
        pump();
      });
    },
    running: () => worker !== null,
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.resolve({ ok: false, reason: 'closed', message: 'the server is closing' });
      if (current !== null) {
        clearTimeout(current.timer);
        current.job.resolve({ ok: false, reason: 'closed', message: 'the server is closing' });
        current = null;
      }
      const w = worker;
      worker = null;
      if (w !== null) await w.terminate();
    },
  };
}

/**
 * The built worker in dist/, also when this module is loaded from src/ by vitest (Node 20
 * cannot run TypeScript; the test globalSetup builds dist/ first), as sandbox-host/paths.ts does.
 */
export function workerScriptPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return path.resolve(path.dirname(here), '../../dist/typecheck/worker.js');
  return path.resolve(path.dirname(here), 'worker.js');
}
