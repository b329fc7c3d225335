import type { ChildProcess } from 'node:child_process';
import { forkSandboxWorker } from './fork-worker.js';

/**
 * `chameleon serve` starts its first sandbox process before it loads the server's code. A
 * sandbox process is a second node start plus isolated-vm, the longest step before a server's
 * first result; loading the server (the engine, zod, the SDK: ~130 ms of one core here) took
 * place before the fork, now the two overlap. The supervisor adopts the process as its first
 * (supervisor.ts) and sends it its settings; a process started with another environment, or
 * that died meanwhile, is killed and replaced by a normal start.
 */
interface Early {
  child: ChildProcess;
  env: string;
}

/**
 * Kept on the global object, not in this module: bin/chameleon.js forks through dist/'s copy of
 * this module before it loads the CLI bundle, which has a copy of its own.
 */
const EARLY = Symbol.for('chameleon.earlySandbox');
const slot = globalThis as { [EARLY]?: Early | null };

/** The environment sandbox processes get beyond the fixed one: the security suite's canary. */
export function sandboxExtraEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const canary = env['CHAMELEON_CANARY'];
  return canary ? { CHAMELEON_CANARY: canary } : {};
}

/** Starts the process the next SandboxPool takes as its first (one at a time). */
export function startSandboxEarly(extraEnv: Readonly<Record<string, string>>): ChildProcess {
  const started = slot[EARLY];
  if (started) return started.child;
  const child = forkSandboxWorker(extraEnv);
  // Until it is adopted it must not keep this process alive (a server that fails to start).
  child.unref();
  child.channel?.unref();
  // Its errors (a failed spawn) show when it is adopted, or never matter.
  child.on('error', () => undefined);
  slot[EARLY] = { child, env: canonical(extraEnv) };
  return child;
}

/** The process started early, if it was started with `extraEnv` and is still alive; else null. */
export function takeEarlySandbox(extraEnv: Readonly<Record<string, string>>): ChildProcess | null {
  const taken = slot[EARLY];
  slot[EARLY] = null;
  if (!taken) return null;
  const { child } = taken;
  if (taken.env === canonical(extraEnv) && child.exitCode === null && child.signalCode === null && child.connected) {
    child.ref();
    child.channel?.ref();
    return child;
  }
  child.kill('SIGKILL');
  return null;
}

function canonical(env: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)));
}
