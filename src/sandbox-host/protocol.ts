/**
 * Messages between the server process (supervisor) and a sandbox process (worker), over
 * Node's IPC channel. Only strings and numbers cross: guest data stays text until the host
 * parses and validates it.
 */

export interface RunJob {
  id: number;
  /** One isolate per key, e.g. `default/fibonacci`: tools and personas never share a heap. */
  isolateKey: string;
  /** Identifies one compiled script, e.g. `default/fibonacci@3#<hash>`. */
  scriptKey: string;
  /** Virtual filename V8 prints in stack frames, e.g. `chameleon/default/fibonacci@3.js`. */
  filename: string;
  /**
   * The compiled JS. The supervisor leaves it out once the worker has had it: a worker that
   * no longer has the script (evicted, or a new process) answers `needCode` and gets it again.
   */
  compiledJs?: string;
  memoryMb: number;
  /** CPU-time limit and wall-clock deadline of the call inside the sandbox process. */
  timeoutMs: number;
  argsJson: string;
  /** The call's settings, the same text for every call of a version (the prelude parses it once). */
  metaJson: string;
  executionId: string;
  /** A load check (create/update), not a call: it does not count toward the fast path. */
  probe?: boolean;
  /** The request carried a progress token: ctx.progress reports are sent (ProgressReport), not only counted. */
  progress?: true;
}

/**
 * What a call's `metaJson` holds: its settings, the same for every call of a version. The
 * prelude (sandbox/prelude.ts, CallMeta) reads it; the server and the worker's warm-up write it.
 */
export interface CallMeta {
  persona: string;
  tool: { name: string; version: number };
  maxResultChars: number;
  maxConsoleChars: number;
  /** Load the module and check its default export, without calling it. */
  probe: boolean;
  /** With `probe`: the module is a library (issue 15), which has no default export to check. */
  library?: boolean;
  /**
   * What the version's manifest lets it ask the server for; absent when nothing. Names only:
   * secrets' values never reach the sandbox process.
   */
  capabilities?: CallCapabilities;
}

/** What the prelude needs of a call's capabilities (the server does the rest). */
export interface CallCapabilities {
  /** The secrets `ctx.secret(name)` gives a placeholder for: [name, placeholder]. */
  secrets?: Array<[string, string]>;
  /** The upstream MCP servers ctx.mcp has a member for. */
  mcp?: string[];
  /**
   * The tools it declares it may call (capabilities.tools): `ctx.tools.<name>` is made for
   * each; `["*"]` makes none (ctx.tools.call only). The server checks every call again.
   */
  tools?: string[];
  /** The datasources ctx.sql has a function for. */
  sql?: string[];
}

/** The JSON text of a call's meta (RunJob.metaJson). */
export function callMetaJson(meta: CallMeta): string {
  return JSON.stringify(meta);
}

/**
 * A sandbox process's settings: the first message it gets, before any job. They come over IPC,
 * not in its environment, so that a process can be started before the server's configuration
 * is read (early-start.ts).
 */
export interface WorkerSettings {
  /** Resident memory cap of a busy process, as a multiple of the running calls' memory_mb. */
  rssFactor: number;
  maxIsolates: number;
  /** Memory limit of the spare isolate (the tools' default). */
  spareMemoryMb: number;
}

/**
 * A running call asks the server process for a capability (fetch, kv): `op` names it, `body`
 * is its text (JSON, or latin1 bytes inside JSON). The sandbox process only carries it.
 */
export interface CapabilityRequest {
  type: 'request';
  /** The job (call) that asks. */
  id: number;
  /** The prelude's number for this request, unique within the call. */
  requestId: number;
  op: string;
  body: string;
}

/** The server's answer to a CapabilityRequest: `body` is the result, or (ok false) a JSON `{name, message}` to throw. */
export interface CapabilityResponse {
  type: 'response';
  id: number;
  requestId: number;
  ok: boolean;
  body: string;
}

/**
 * A running call's `ctx.progress`, one way (no answer), already rate-limited and bounded by the
 * sandbox process (worker/guest-progress.ts); the server checks it again before a client sees it.
 */
/** The longest ctx.progress message that crosses (sandbox/capabilities/progress.ts refuses a longer one at the agent's line). */
export const MAX_PROGRESS_MESSAGE_CHARS = 200;

export interface ProgressReport {
  type: 'progress';
  /** The job (call) that reports. */
  id: number;
  progress: number;
  total?: number;
  message?: string;
}

/** `runs`: the jobs that reached the supervisor together while others were in flight. */
export type WorkerRequest = { type: 'configure'; settings: WorkerSettings } | { type: 'run'; job: RunJob } | { type: 'runs'; jobs: RunJob[] } | CapabilityResponse;

/** A fault the worker saw from outside the guest: the guest produced no envelope. */
export interface WorkerFault {
  /** `overloaded` comes from the supervisor only: the call was refused before it was sent. */
  kind: 'timeout' | 'memory' | 'internal' | 'overloaded';
  message: string;
}

export interface RunReply {
  type: 'result';
  id: number;
  /** The prelude's JSON envelope (untrusted text), or null when `fault` is set. */
  envelope: string | null;
  fault: WorkerFault | null;
  /** Console output recovered after a CPU timeout (the envelope carries it otherwise). */
  console: string;
  cpuMs: number | null;
  heapUsedBytes: number | null;
  /** How many times the call called ctx.progress; absent when none. */
  progressCalls?: number;
  /** The worker does not have this job's script: send the job again with its code. */
  needCode?: boolean;
  /**
   * For a call stopped at its CPU-time limit: where its CPU was, or why it was not sampled
   * (see worker/cpu-profile.ts). Absent for every other outcome.
   */
  cpuSamples?: CpuSamples | NotSampled;
}

/**
 * Why a call stopped at its CPU limit has no samples: `first_timeout`, only a call whose
 * version's last call hit the CPU limit is sampled; `fast_path`, it ran synchronously, where no
 * profiler may run; `short_limit`, its CPU limit is too short to sample (under 200 ms);
 * `budget_spent`, the process has sampled as many calls as it may;
 * `unreadable`, the profile could not be read.
 */
export interface NotSampled {
  notSampled: 'first_timeout' | 'fast_path' | 'short_limit' | 'budget_spent' | 'unreadable';
}

/**
 * A timed-out call's CPU samples, summarised in the worker: only frames of the job's own
 * script (its virtual filename), in compiled-JS positions. The host maps them to the source.
 */
export interface CpuSamples {
  /** Samples taken in the window (the last part of the run), wherever they were. */
  total: number;
  /** How much of the run the window covers, in ms. */
  windowMs: number;
  /**
   * The tool functions the samples were in (innermost frame of the tool's script), hottest
   * first, each with its commonest path: frames innermost first, `frames[0]` the function.
   */
  hot: Array<{ count: number; frames: SampledFrame[] }>;
}

/** A function of the tool's compiled script, at the position where the function starts. */
export interface SampledFrame {
  functionName: string;
  /** 1-based line and column in the compiled JS (the wrapper's line is 0). */
  line: number;
  column: number;
}

/** `results`: replies of jobs that finished together while others were running. */
export type WorkerReply = RunReply | { type: 'results'; replies: RunReply[] } | { type: 'ready'; pid: number; rssBytes: number } | CapabilityRequest | ProgressReport;

/**
 * Why a worker ended itself. It writes `${FATAL_MARKER}<code> <text>` to stderr, then kills
 * itself: the supervisor reads the code from that line.
 */
export const FATAL_MARKER = 'CHAMELEON_SANDBOX_FATAL:';
export const EXIT_CATASTROPHIC = 70;
export const EXIT_RSS_CAP = 71;
export const EXIT_WATCHDOG = 72;
