import { fork, type ChildProcess } from 'node:child_process';
import { workerEntryPath } from './paths.js';

/** Node flags every sandbox process needs (see ../shared/NOTES.md). */
export const SANDBOX_NODE_FLAGS = [
  // isolated-vm 5 crashes on Node 20 started from the default snapshot.
  '--no-node-snapshot',
  // Resizable ArrayBuffers let guest code abort V8 and grow memory past the isolate limit.
  '--no-harmony-rab-gsab',
] as const;

/**
 * Starts one sandbox process. It loads isolated-vm at once, then waits for its settings (the
 * supervisor's first message) before it makes an isolate.
 */
export function forkSandboxWorker(extraEnv: Readonly<Record<string, string>>): ChildProcess {
  return fork(workerEntryPath(), [], {
    execArgv: [...SANDBOX_NODE_FLAGS],
    // Only what the worker needs: the server's environment (tokens, keys) stays out of reach.
    // Guests would otherwise read the host's time zone from /etc/localtime.
    env: { TZ: 'UTC', ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'json',
    // Own process group: a Ctrl-C aimed at the server must not kill sandboxes under calls
    // that the server is still draining. They exit by themselves when the IPC channel closes.
    detached: true,
  });
}
