/**
 * The server's side of `ctx.tools` (issue 15) for one running call: checks each call the tool
 * makes against its manifest (capabilities.tools) and the host's bounds (config `tools`), runs
 * the callee through the same path as an agent's call (arguments checked against its schema,
 * its own isolate and limits, its own log row, with this call as parent), and answers with the
 * callee's result or failure.
 *
 * A callee never runs past this call's deadline: its time limit is cut to what is left of it,
 * and once this call ends, a callee still waiting for a sandbox never starts. This call's own
 * row is written after its callees' rows (end() waits for them, within the deadline), so the
 * tree in the log is complete when the agent gets its answer.
 *
 * Cycles (a tool already running above, itself included) are refused: besides being a bug
 * they are the one way a caller could wait for its own busy isolate.
 */
import { mayCall } from '../capabilities/manifest.js';
import { isAppError } from '../errors.js';
import { NAME_PATTERN, type CalleeFailure, type Capabilities, type Effect, type Failure } from '../model.js';
import { MIN_NESTED_TIMEOUT_MS } from '../sandbox-host/supervisor.js';
import { childTree, rootTree, type CallTree, type NestedCall } from './call-tree.js';
import type { ServiceDeps } from './deps.js';
import type { RunOutcome } from './running.js';

/** Runs a call of another tool of the same persona (running.ts runTool, bound to the persona). */
export type RunCallee = (tool: string, args: unknown, nested: NestedCall) => Promise<RunOutcome>;

export interface ToolCallsOf {
  persona: string;
  toolName: string;
  executionId: string;
  capabilities: Capabilities;
  timeoutMs: number;
  /** Where the call stands; absent for an agent's call (the root is made on its first tool call). */
  tree?: CallTree;
  /** Its caller's deadline (performance.now() ms), which its own never passes. */
  notAfter?: number;
}

type Answer = { ok: boolean; body: string };

/** Frames of a callee's failure given to its caller's code (the log keeps them all). */
const FRAMES_TO_CALLER = 10;
/** Frames of a callee kept in its caller's failure, per level. */
const FRAMES_LINKED = 20;
/** After the deadline, how long end() still waits for callees the sandbox has not answered for. */
const END_WAIT_GRACE_MS = 1_000;

/**
 * A callee's deadline comes this much before its caller's: a callee that runs out of time then
 * fails first, and its caller still has time to handle the ToolCallError (a timeout it can
 * catch, or a traceback that says which callee was slow) rather than being stopped in the same
 * instant. 10% of the caller's time limit, from 20 ms to 500 ms.
 */
export function reserveMs(callerTimeoutMs: number): number {
  return Math.min(500, Math.max(20, Math.round(callerTimeoutMs / 10)));
}

export class ToolCalls {
  /** Failed callees by execution id, for linking a ToolCallError to what really happened. */
  readonly failures = new Map<string, CalleeFailure>();
  private readonly running = new Set<Promise<void>>();
  private readonly controller = new AbortController();
  private tree: CallTree | undefined;
  private deadlineAt: number;
  private deadlineTimer: NodeJS.Timeout | null = null;
  /** Callees asked for that have not reached the sandbox pool yet (they read their version first). */
  private entering = 0;
  /** end() came while some were entering: the callees are let go once they all have entered. */
  private letGoWhenEntered = false;
  private ended = false;
  private ending: Promise<void> | undefined;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly call: ToolCallsOf,
    private readonly runCallee: RunCallee,
    private readonly effects: Effect[],
    startedAt: number,
  ) {
    this.tree = call.tree;
    this.deadlineAt = this.deadlineFrom(startedAt);
  }

  /** The call was sent to its sandbox at `at`: its deadline runs from then (never earlier than it really does). */
  restartDeadline(at: number): void {
    this.deadlineAt = this.deadlineFrom(at);
  }

  /** What a callee may use of this call's time (see reserveMs). */
  private calleeDeadline(): number {
    return this.deadlineAt - reserveMs(this.call.timeoutMs);
  }

  private deadlineFrom(at: number): number {
    return Math.min(at + this.call.timeoutMs, this.call.notAfter ?? Infinity);
  }

  async request(body: string): Promise<Answer> {
    const parsed = parseCall(body, this.deps.config.payload.maxArgumentsBytes);
    if ('refused' in parsed) return parsed.refused;
    const { name, args } = parsed;
    const refused = this.refusal(name);
    if (refused !== null) {
      this.effects.push({ op: 'tools.call', tool: name, refused: refused.why });
      return refusal(refused.name, refused.message);
    }
    const tree = (this.tree ??= rootTree(this.call.executionId, this.call.toolName));
    tree.budget.calls++;
    const effect: Extract<Effect, { op: 'tools.call' }> = { op: 'tools.call', tool: name, executionId: this.deps.newExecutionId() };
    this.effects.push(effect);
    this.startDeadlineTimer();
    const run = this.runOne(name, args, tree, effect);
    const tracked = run.then(() => undefined);
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
    return run;
  }

  /** Stops callees that have not started, and waits (within the deadline) for those running. */
  end(): Promise<void> | undefined {
    if (this.ended) return this.ending;
    this.ended = true;
    // A callee asked for before the end may still be reading its version from the store (a
    // turn of the event loop, or a round trip to a database server): it was asked for in time,
    // so it reaches the pool first, and runs if a sandbox is free. Only callees left waiting
    // for a sandbox are let go.
    if (this.entering === 0) this.controller.abort();
    else this.letGoWhenEntered = true;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    if (this.running.size === 0) return undefined;
    const wait = Math.max(0, this.deadlineAt - performance.now()) + this.deps.config.sandbox.killGraceMs + END_WAIT_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, wait)));
    this.ending = Promise.race([Promise.all(this.running).then(() => undefined), gaveUp]).finally(() => clearTimeout(timer));
    return this.ending;
  }

  private async runOne(name: string, args: unknown, tree: CallTree, effect: Extract<Effect, { op: 'tools.call' }>): Promise<Answer> {
    const t0 = performance.now();
    let outcome: RunOutcome;
    this.entering++;
    let inPool = false;
    const entered = (): void => {
      if (inPool) return;
      inPool = true;
      this.entering--;
      if (this.entering === 0 && this.letGoWhenEntered) this.controller.abort();
    };
    try {
      outcome = await this.runCallee(name, args, {
        executionId: effect.executionId!,
        parentId: this.call.executionId,
        tree: childTree(tree, name),
        deadlineAt: this.calleeDeadline(),
        signal: this.controller.signal,
        entered,
      });
    } catch (error) {
      // Refused before it ran (no such tool) or not logged (a store fault): no row has this id.
      delete effect.executionId;
      const why = isAppError(error) && error.kind === 'user' ? error.message : null;
      if (why === null) this.deps.logger.error('a nested tool call failed in the host', { persona: this.call.persona, tool: name, error: error instanceof Error ? error.message : String(error) });
      effect.refused = isAppError(error) ? error.code : 'INTERNAL';
      if (isAppError(error) && error.code === 'TOOL_NOT_FOUND') {
        return refusal('ToolNotFoundError', `ctx.tools: tool ${name} not found among the tools of persona ${this.call.persona}. Create it, or fix the name (capabilities.tools may name a tool before it exists).`);
      }
      return refusal('Error', why ?? (isAppError(error) ? error.message : `ctx.tools: the server failed to run ${name}; this is not a fault in your code.`));
    } finally {
      // Refused, a SQL tool (no sandbox) or answered: it is no longer on its way to the pool.
      entered();
    }
    effect.version = outcome.version;
    effect.status = outcome.ok ? 'SUCCESS' : 'FAILURE';
    effect.ms = Math.round((performance.now() - t0) * 1000) / 1000;
    if (outcome.ok) return { ok: true, body: `{"ok":true,"result":${outcome.resultJson}}` };
    effect.kind = outcome.failure.kind;
    this.failures.set(outcome.executionId, calleeFailure(outcome, outcome.failure));
    const { failure } = outcome;
    const told = { kind: failure.kind, name: failure.name, message: failure.message, tool: outcome.tool, version: outcome.version, executionId: outcome.executionId, frames: failure.frames.slice(0, FRAMES_TO_CALLER) };
    return { ok: true, body: JSON.stringify({ ok: false, failure: told }) };
  }

  /** Why this call may not call `name` now (with the effect's short reason), or null. */
  private refusal(name: string): { name: string; message: string; why: string } | null {
    const { toolName, capabilities } = this.call;
    const bounds = this.deps.config.tools;
    const tree = this.tree ?? rootTree(this.call.executionId, toolName);
    if (this.ended) return { name: 'Error', message: 'ctx.tools: the call has ended; it can no longer call tools.', why: 'ended' };
    if (!mayCall(capabilities, name)) {
      const declared = capabilities.tools === undefined ? 'it declares none' : `it declares: ${capabilities.tools.join(', ')}`;
      return {
        name: 'CapabilityError',
        message: `ctx.tools: tool ${toolName} may not call ${name}: ${name} is not in its capabilities.tools (${declared}). Add it with update_tool, e.g. capabilities: { tools: [${JSON.stringify(name)}] }.`,
        why: 'not declared',
      };
    }
    if (tree.chain.includes(name)) {
      return {
        name: 'ToolCallCycleError',
        message: `ctx.tools: calling ${name} from ${toolName} would make a cycle: ${name} is already running in this call tree (${[...tree.chain, name].join(' → ')}). A tool may not call one that is running above it; do the repeated work in a loop inside one tool.`,
        why: 'cycle',
      };
    }
    if (tree.depth + 1 > bounds.maxDepth) {
      return {
        name: 'ToolCallLimitError',
        message: `ctx.tools: calling ${name} would nest calls ${tree.depth + 1} deep (${[...tree.chain, name].join(' → ')}); the limit is ${bounds.maxDepth} (tools.maxDepth in the host's config). Flatten the chain: let one tool call the others directly.`,
        why: 'depth',
      };
    }
    if (tree.budget.calls >= bounds.maxCallsPerRoot) {
      return {
        name: 'ToolCallLimitError',
        message: `ctx.tools: this call tree has made ${tree.budget.calls} calls of other tools, the most one agent call may lead to (tools.maxCallsPerRoot in the host's config). Do more work per call, or split the work over several calls from the agent.`,
        why: 'calls per root',
      };
    }
    if (this.running.size >= bounds.maxInFlightPerCall) {
      return {
        name: 'ToolCallLimitError',
        message: `ctx.tools: this call has ${this.running.size} calls of other tools running, the most it may have at once (tools.maxInFlightPerCall in the host's config). Await some before starting more (in batches of ${bounds.maxInFlightPerCall}).`,
        why: 'in flight',
      };
    }
    const left = Math.floor(this.calleeDeadline() - performance.now());
    if (left < MIN_NESTED_TIMEOUT_MS) {
      const own = Math.max(0, Math.floor(this.deadlineAt - performance.now()));
      return { name: 'TimeoutError', message: `ctx.tools: this call has ${own} ms left of its time limit, too little to call ${name}. Raise the caller's timeout_ms.`, why: 'no time left' };
    }
    return null;
  }

  /** At their deadline, callees still waiting for a sandbox are let go (they could not finish in time). */
  private startDeadlineTimer(): void {
    if (this.deadlineTimer !== null) return;
    this.deadlineTimer = setTimeout(() => this.controller.abort(), Math.max(0, this.calleeDeadline() - performance.now()));
    this.deadlineTimer.unref();
  }
}

/** What the caller's failure links to: the callee's failure as its own row records it. */
function calleeFailure(outcome: Extract<RunOutcome, { ok: false }>, failure: Failure): CalleeFailure {
  return {
    tool: outcome.tool,
    version: outcome.version,
    executionId: outcome.executionId,
    kind: failure.kind,
    name: failure.name,
    message: failure.message,
    frames: failure.frames.slice(0, FRAMES_LINKED),
    codeFrame: failure.codeFrame,
    ...(failure.callee === undefined ? {} : { callee: failure.callee }),
  };
}

/** The prelude's request (sandbox/capabilities/tools.ts), checked: it comes from the sandbox. */
function parseCall(body: string, maxArgumentsBytes: number): { name: string; args: unknown } | { refused: Answer } {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { refused: refusal('TypeError', 'ctx.tools: the request could not be read.') };
  }
  const { name, args } = (raw ?? {}) as { name?: unknown; args?: unknown };
  if (typeof name !== 'string' || typeof args !== 'string') return { refused: refusal('TypeError', 'ctx.tools: the request could not be read.') };
  if (!NAME_PATTERN.test(name)) {
    return { refused: refusal('TypeError', `ctx.tools.call(${JSON.stringify(name.slice(0, 80))}): that is not a tool name (lowercase letters, digits and underscores, starting with a letter).`) };
  }
  const bytes = Buffer.byteLength(args);
  if (bytes > maxArgumentsBytes) {
    return { refused: refusal('RangeError', `ctx.tools.call(${JSON.stringify(name)}): the arguments are ${bytes} bytes of JSON; the limit is ${maxArgumentsBytes} (payload.maxArgumentsBytes). Pass less.`) };
  }
  try {
    return { name, args: JSON.parse(args) as unknown };
  } catch {
    return { refused: refusal('TypeError', `ctx.tools.call(${JSON.stringify(name)}): the arguments could not be read as JSON.`) };
  }
}

function refusal(name: string, message: string): Answer {
  return { ok: false, body: JSON.stringify({ name, message }) };
}
