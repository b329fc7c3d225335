import type { Config } from '../config.js';
import type { Capabilities, Failure, ToolLimits, VersionSnapshot } from '../model.js';
import { callMetaJson, type CallCapabilities } from '../sandbox-host/protocol.js';
import type { CallHost, RunBounds } from '../sandbox-host/supervisor.js';
import { consoleNeedsMapping, mapConsoleText } from '../traceback/map-console.js';
import { virtualFilename } from '../traceback/virtual-filename.js';
import type { ServiceDeps } from './deps.js';
import { failureFromGuest, plainFailure, FAULT_NAMES, type FailureContext } from './failures.js';
import { parseEnvelope } from './guest-envelope.js';
import { explainRuntimeGap } from './runtime-gaps.js';
import { cpuTimeoutFailure } from './timeout-failure.js';

export interface SandboxTarget {
  persona: string;
  toolName: string;
  version: number;
  hash: string;
  snapshot: Pick<VersionSnapshot, 'compiledJs' | 'limits' | 'capabilities'>;
}

export const SHUT_DOWN_MID_CALL =
  'The server shut down while this call ran, and stopped it before it finished. The tool is not at fault: call it again once the server is back.';

/** What a call used: `progressCalls` counts its ctx.progress calls (sent on or not). */
export interface SandboxUsage {
  cpuMs: number | null;
  heapUsedBytes: number | null;
  progressCalls: number;
}

export type SandboxOutcome =
  | ({ ok: true; result: unknown; resultJson: string; console: string } & SandboxUsage)
  | ({ ok: false; failure: Failure; console: string } & SandboxUsage);

/**
 * One trip to a sandbox process and back: builds the job, and turns whatever comes back
 * (envelope or fault) into a result or a mapped Failure. Guest faults never throw.
 */
export async function callSandbox(
  deps: ServiceDeps,
  target: SandboxTarget,
  /**
   * `probe`: a load check; `'library'` loads the module without looking for a handler. `bounds`: a call made by another tool.
   * `progress`: the request carried a progress token, so ctx.progress reports go to `host`.
   */
  call: { argsJson: string; executionId: string; probe?: boolean | 'library'; host?: CallHost; bounds?: NestedBounds; progress?: boolean },
  failureContext: FailureContext,
): Promise<SandboxOutcome> {
  const { payload } = deps.config;
  const limits = call.bounds === undefined ? effectiveLimits(target.snapshot.limits, deps.config.limits) : call.bounds.limits;
  const filename = virtualFilename(target.persona, target.toolName, target.version);
  const probe = call.probe === true || call.probe === 'library';
  const reply = await deps.pool.run({
    isolateKey: `${target.persona}/${target.toolName}`,
    scriptKey: `${target.persona}/${target.toolName}@${target.version}#${target.hash}`,
    filename,
    compiledJs: target.snapshot.compiledJs,
    memoryMb: limits.memoryMb,
    timeoutMs: limits.timeoutMs,
    argsJson: call.argsJson,
    executionId: call.executionId,
    ...(probe ? { probe: true } : {}),
    ...(call.progress === true ? { progress: true } : {}),
    metaJson: callMetaJson({
      persona: target.persona,
      tool: { name: target.toolName, version: target.version },
      maxResultChars: payload.maxResultBytes,
      maxConsoleChars: payload.maxConsoleBytes,
      probe,
      ...(call.probe === 'library' ? { library: true } : {}),
      ...callCapabilities(deps, target.snapshot.capabilities),
    }),
  }, call.host, call.bounds?.run);
  const usage: SandboxUsage = { cpuMs: reply.cpuMs, heapUsedBytes: reply.heapUsedBytes, progressCalls: countOf(reply.progressCalls) };
  if (reply.fault || reply.envelope === null) {
    const fault = reply.fault ?? { kind: 'internal' as const, message: 'The sandbox returned nothing.' };
    // While the engine closes, the pool stops every call still running: say that, and what to do.
    const message = fault.kind === 'internal' && deps.closing() ? SHUT_DOWN_MID_CALL : fault.message;
    const failure =
      fault.kind === 'timeout' && reply.cpuSamples !== undefined
        ? await cpuTimeoutFailure(fault, reply.cpuSamples, filename, failureContext)
        : plainFailure(fault.kind, FAULT_NAMES[fault.kind], message);
    const mapped = consoleOf(reply.console, payload.maxConsoleBytes, failureContext);
    const console = typeof mapped === 'string' ? mapped : await mapped;
    return { ok: false, failure, console, ...usage };
  }
  const envelope = parseEnvelope(reply.envelope);
  if ('invalid' in envelope) {
    return { ok: false, failure: plainFailure('internal', FAULT_NAMES.internal, envelope.invalid), console: '', ...usage };
  }
  const mapped = consoleOf(envelope.console, payload.maxConsoleBytes, failureContext);
  // No await unless there is something to map: a warm call does not pay for a microtask turn.
  const console = typeof mapped === 'string' ? mapped : await mapped;
  if (!envelope.ok) {
    return { ok: false, failure: await explainRuntimeGap(await failureFromGuest(envelope.failure, failureContext), failureContext), console, ...usage };
  }
  // The envelope was parsed from text the guest side wrote; re-serialising gives the canonical JSON.
  const resultJson = JSON.stringify(envelope.result) ?? 'null';
  // The prelude counts UTF-16 characters; the limit is in bytes (a '€' is three).
  const resultBytes = Buffer.byteLength(resultJson);
  if (resultBytes > payload.maxResultBytes) {
    const message = `The result is ${resultBytes} bytes of JSON; the limit is ${payload.maxResultBytes}. Return less data (page it, or summarise).`;
    return { ok: false, failure: plainFailure('invalid_result', FAULT_NAMES.invalid_result, message), console, ...usage };
  }
  return { ok: true, result: envelope.result, resultJson, console, ...usage };
}

/** A count the sandbox process reported (untrusted): a non-negative integer, else 0. */
function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/**
 * A call made by another tool (ctx.tools): the limits it runs with (its timeout cut to what is
 * left of its caller's), and the pool's bounds on it (its caller's deadline, and its end).
 */
export interface NestedBounds {
  limits: ToolLimits;
  run: RunBounds;
}

/**
 * What the prelude must know of the version's capabilities (names only), or nothing:
 * placeholders of its secrets, the upstream servers and the tools it may call.
 */
function callCapabilities(deps: ServiceDeps, capabilities: Capabilities): { capabilities?: CallCapabilities } {
  const { secrets, mcp, tools, sql } = capabilities;
  if (secrets === undefined && mcp === undefined && tools === undefined && sql === undefined) return {};
  return {
    capabilities: {
      ...(secrets === undefined ? {} : { secrets: deps.secrets.placeholders(secrets) }),
      ...(mcp === undefined ? {} : { mcp }),
      ...(tools === undefined ? {} : { tools }),
      ...(sql === undefined ? {} : { sql }),
    },
  };
}

/**
 * The limits a call runs with: the version's own, but never above the config's current maxima.
 * A version keeps the limits it was saved (or imported) with, and the config may have been
 * lowered since: an operator who lowers maxTimeoutMs expects it to hold for every tool, not only
 * for tools written afterwards. The failure messages quote the limit applied.
 */
export function effectiveLimits(stored: VersionSnapshot['limits'], config: Pick<Config['limits'], 'maxTimeoutMs' | 'maxMemoryMb'>): VersionSnapshot['limits'] {
  return { timeoutMs: Math.min(stored.timeoutMs, config.maxTimeoutMs), memoryMb: Math.min(stored.memoryMb, config.maxMemoryMb) };
}

/** The console text, capped, with stack positions in the agent's lines (map-console.ts). */
function consoleOf(text: string, maxBytes: number, ctx: FailureContext): string | Promise<string> {
  const capped = capConsole(text, maxBytes);
  if (!consoleNeedsMapping(capped)) return capped;
  return mapConsoleText(capped, { persona: ctx.persona, resolveVersion: ctx.resolveVersion, cache: ctx.sourceMaps });
}

/** The console cap is in bytes; the prelude's own cut counts UTF-16 characters. */
function capConsole(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes + 100) return text;
  const cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '');
  return `${cut}…[console output cut at ${maxBytes} bytes]`;
}
