/**
 * The checker's worker thread (checker.ts starts it): loads TypeScript (~0.4-0.5 s, here and
 * never on the server's event loop), then answers one check at a time. The host sends the
 * next request only after this one's answer, so a check's deadline is its own.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import type * as TS from 'typescript';
import { createProgramChecker } from './check-program.js';
import type { WorkerAnswer, WorkerRequest } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('src/typecheck/worker.ts runs as a worker thread (checker.ts starts it)');

/**
 * The checker is advice; the server's thread and the sandbox processes serve calls. On Linux a
 * nice value is per thread (setpriority with pid 0 is the calling thread: checked, the server's
 * threads keep 0), so this thread yields to them when cores are short, as on the 2-core machines
 * here, where it would otherwise take a third of the CPU from a first call running beside a
 * check. Not 19: under sustained load a starved checker would pass its deadline and be
 * replaced, again and again. Where the OS refuses, the thread runs at the normal priority.
 */
const CHECKER_NICE = 5;
try {
  os.setPriority(CHECKER_NICE);
} catch {
  // Not permitted here: nothing else changes.
}

// require(), not import: TypeScript is CommonJS, and one synchronous load is the point of this thread.
const ts = createRequire(import.meta.url)('typescript') as typeof TS;
const check = createProgramChecker(ts);

port.on('message', (message: WorkerRequest) => {
  const started = performance.now();
  let answer: WorkerAnswer;
  try {
    const result = check(message.request);
    answer = { id: message.id, ok: true, diagnostics: result.diagnostics, total: result.total, ms: performance.now() - started };
  } catch (error) {
    answer = { id: message.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(answer);
});
port.postMessage({ ready: true, typescript: ts.version });
