import { EXIT_CATASTROPHIC, EXIT_RSS_CAP, type RunJob, type RunReply, type WorkerFault } from './protocol.js';

/**
 * The faults the pool (supervisor.ts) gives calls it could not run to the end, each with a
 * message that tells the agent what happened and what to do.
 */

/** Why the calls on a process that died failed: our kill for a deadline, memory, or a crash. */
export function deathFault(job: RunJob, id: number, killedFor: { id: number } | null, code: number | null, signal: string | null): WorkerFault {
  if (killedFor?.id === id && code !== EXIT_CATASTROPHIC && code !== EXIT_RSS_CAP) {
    return {
      kind: 'timeout',
      message: `The call did not finish within its ${job.timeoutMs} ms deadline and its sandbox process had to be replaced. Look for an infinite loop, a promise that never settles, or a hostile getter; or raise timeout_ms.`,
    };
  }
  if (killedFor && code !== EXIT_CATASTROPHIC && code !== EXIT_RSS_CAP) {
    return { kind: 'internal', message: 'The sandbox process was replaced while this call ran, because another call overran its deadline. Retry the call.' };
  }
  if (code === EXIT_RSS_CAP) {
    return {
      kind: 'memory',
      message: `The sandbox process passed its memory cap while this call ran (memory_mb ${job.memoryMb}) and was replaced. Use less memory, or raise memory_mb.`,
    };
  }
  if (code === EXIT_CATASTROPHIC) {
    return { kind: 'memory', message: 'V8 hit a catastrophic out-of-memory error while this call ran; the sandbox process was replaced. Allocate less at once.' };
  }
  return {
    kind: 'internal',
    message: `The sandbox process ended unexpectedly (${signal ? `signal ${signal}` : `exit code ${String(code)}`}) while this call ran, and was replaced. Retry; if it happens again, the tool's code is crashing the runtime.`,
  };
}

/** The errno only: the error's message holds the host's path to node, not for the agent's eyes. */
export function spawnReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const known: Record<string, string> = { EMFILE: 'too many open files', ENFILE: 'too many open files in the system', EAGAIN: 'too many processes', ENOMEM: 'not enough memory' };
  return typeof code === 'string' ? `${code}: ${known[code] ?? 'the system refused to start a process'}` : 'the system refused to start a process';
}

/**
 * Why no sandbox process runs in a slot: the system refused to start one (`refused`), or one
 * started and exited before it was ready (`early-exit`: its runtime did not load).
 */
export type StartFailureCause = 'refused' | 'early-exit';

export function startFault(reason: string, cause: StartFailureCause = 'refused'): WorkerFault {
  if (cause === 'early-exit') {
    return {
      kind: 'internal',
      message:
        `The sandbox process could not be started (${reason}), so this call never ran. No tool causes this: the sandbox runtime failed to load ` +
        '(the server\'s stderr has its error; a broken isolated-vm build is fixed with `npm rebuild isolated-vm` and a restart of the server), or the machine is short of resources. Retry the call in a few seconds.',
    };
  }
  return { kind: 'internal', message: `The sandbox process could not be started (${reason}); the server is short of resources. Retry the call in a few seconds.` };
}

/** The reason of an `early-exit` start failure. */
export function earlyExitReason(code: number | null, signal: NodeJS.Signals | null): string {
  return `it exited before it was ready, ${signal ? `signal ${signal}` : `exit code ${String(code)}`}`;
}

/** The tool's calls are not failing: too many are waiting for it at once. */
export function overloadedFault(waiting: number): WorkerFault {
  return {
    kind: 'overloaded',
    message: `The server is busy with this tool: ${waiting} calls of it are already waiting for a free sandbox. The tool is not at fault; retry the call in a few seconds, or make fewer calls at once.`,
  };
}

/** A call made by another tool that never ran: its caller ended, or reached its deadline, while it waited for a sandbox. */
export function callerEndedFault(): WorkerFault {
  return {
    kind: 'timeout',
    message: 'The call never ran: the tool that called it ended, or reached its own time limit, while this call waited for a free sandbox. Give the caller a longer timeout_ms, or make fewer calls at once.',
  };
}

export function faultReply(id: number, fault: WorkerFault): RunReply {
  return { type: 'result', id, envelope: null, fault, console: '', cpuMs: null, heapUsedBytes: null };
}
