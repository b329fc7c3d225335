/**
 * The checker's worker thread (checker.ts starts it): loads TypeScript (~0.4-0.5 s, here and
 * never on the server's event loop), then answers one check at a time. The host sends the
 * next request only after this one's answer, so a check's deadline is its own.
 */
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type * as TS from 'typescript';
import { createProgramChecker } from './check-program.js';
import type { WorkerAnswer, WorkerRequest } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('src/typecheck/worker.ts runs as a worker thread (checker.ts starts it)');

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
