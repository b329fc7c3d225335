/**
 * The security suite's harness. Each attack file starts the real server (dist/cli.js serve)
 * over stdio with a canary planted in the server and its sandbox processes (globals and
 * environment), stores the attack as a tool and calls it as an agent would, then checks
 * that the attack was contained:
 *   - the canary appears in no result, error, log row or database byte;
 *   - the server process is still up and answers; a good tool still works;
 *   - the call is in the log with the expected failure kind;
 *   - server and sandbox resident memory and the server's event-loop delay stay in bounds.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { recordFigure, type AttackClass, type Figure } from './figures.js';
import { processNoiseSince, stallBound } from './noise.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(ROOT, 'dist', 'cli.js');
const MB = 1024 * 1024;

/** Memory bounds from issue 4. Time bounds are relative to measured noise: see noise.ts. */
export const BOUNDS = {
  /** A sandbox process never above rssFactor x memory_mb + its baseline... */
  rssFactor: 4,
  /**
   * ...plus what the sandbox allows for one isolate made while the call runs (its spare),
   * ISOLATE_RSS in src/sandbox-host/worker/main.ts: the cap it enforces includes it, so a peak
   * just under that cap passed a bound without it (seen once, 133.3 MB against 131.6, at load 3
   * with a core kept busy).
   */
  isolateAllowanceMb: 4,
};

export interface ToolOptions {
  language?: 'typescript' | 'javascript';
  input_schema?: Record<string, unknown>;
  timeout_ms?: number;
  memory_mb?: number;
  description?: string;
  /** What the tool may ask the server for (issue 14): hosts to fetch from, secrets, its kv namespace. */
  capabilities?: { fetch?: string[]; secrets?: string[]; mcp?: string[]; kv?: 'tool' | 'persona'; tools?: string[] };
}

/** How a file's server is started, beyond the defaults. */
export interface ServerOptions {
  persona?: string;
  extraArgs?: string[];
  /**
   * Settings written to a `--config` file (capabilities, secrets, kv, ...): the capability
   * attacks need a host that allows some fetch, holds a secret and sets kv quotas.
   */
  config?: Record<string, unknown>;
  /** More environment for the server process, e.g. the variable a configured secret is read from. */
  env?: Record<string, string>;
}

export interface Diagnostics {
  eventLoopMaxMs: number;
  rssBytes: number;
}

export interface SecurityServer {
  client: Client;
  canary: string;
  dbPath: string;
  serverPid: number;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Every response (results and errors) the client received so far, as JSON text. */
  transcript(): string;
  /** Pids of the server's sandbox processes (its child processes). */
  sandboxPids(): number[];
  createTool(name: string, code: string, options?: ToolOptions): Promise<CallToolResult>;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** get_last_error's structuredContent for `tool`. */
  lastError(tool?: string): Promise<Record<string, unknown>>;
  /** Diagnostics lines the server printed since it finished starting (start-up is not an attack). */
  diagnostics(): Diagnostics[];
  /** Peak resident memory seen per sandbox pid (sampled every 10 ms), and its first sample. */
  sandboxRss(): Map<number, { baseline: number; peak: number }>;
  /** performance.now() when start-up ended: the machine noise of the attacks is measured from here. */
  noiseFrom: number;
  close(): Promise<void>;
}

/** Resident memory of a process in bytes (VmRSS), or 0 if it is gone. */
/** Sandbox processes of a server started with the default settings (src/config.ts). */
const SANDBOX_PROCESSES = 2;
/** A sandbox process holds ~50-60 MB once node and isolated-vm are loaded. */
const STARTED_RSS = 40 * MB;

/** A child that runs the sandbox worker (not esbuild's service, also a child of the server). */
function isSandboxProcess(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sandbox-host/worker/main.js');
  } catch {
    return false;
  }
}

export function rssOf(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (after the parenthesised command name) is the parent pid.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* raced with an exit */
    }
  }
  return out;
}

export const HEALTHY_TOOL = 'healthy_canary_check';

export async function startSecurityServer(options: ServerOptions = {}): Promise<SecurityServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sec-'));
  const dbPath = path.join(dir, 'sec.db');
  const canary = `CANARY_${randomBytes(12).toString('hex')}`;
  const configArgs: string[] = [];
  if (options.config) {
    const configPath = path.join(dir, 'config.json');
    fs.writeFileSync(configPath, JSON.stringify(options.config));
    configArgs.push('--config', configPath);
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--no-node-snapshot', '--no-harmony-rab-gsab', CLI, 'serve', '--db', dbPath, ...(options.persona ? ['--persona', options.persona] : []), ...configArgs, ...(options.extraArgs ?? [])],
    cwd: ROOT,
    stderr: 'pipe',
    env: { ...(process.env as Record<string, string>), ...options.env, CHAMELEON_CANARY: canary, CHAMELEON_DIAGNOSTICS: '1', SECRET_TOKEN: canary },
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'security-suite', version: '1.0.0' });
  await client.connect(transport);
  const serverPid = transport.pid!;
  const responses: string[] = [];
  const record = (value: unknown): void => {
    responses.push(JSON.stringify(value) ?? '');
  };

  const call = async (name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> => {
    try {
      const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult;
      record(result);
      return result;
    } catch (err) {
      record({ thrown: String(err) });
      throw err;
    }
  };

  const allDiagnostics = (): Diagnostics[] =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('[chameleon] diagnostics: '))
      .map((l) => JSON.parse(l.slice('[chameleon] diagnostics: '.length)) as Diagnostics);
  let startedAt = 0;

  // Sample the sandbox processes' memory while attacks run: the bound is on the peak.
  const rss = new Map<number, { baseline: number; peak: number }>();
  const sampler = setInterval(() => {
    for (const pid of childrenOf(serverPid)) {
      const now = rssOf(pid);
      // 0: unreadable (the process is just starting, or gone), not a measurement.
      if (now === 0) continue;
      const seen = rss.get(pid);
      if (!seen) rss.set(pid, { baseline: now, peak: now });
      else seen.peak = Math.max(seen.peak, now);
    }
  }, 10);

  const server: SecurityServer = {
    client,
    canary,
    dbPath,
    serverPid,
    stderr: () => stderr,
    transcript: () => responses.join('\n'),
    sandboxPids: () => childrenOf(serverPid),
    async createTool(name, code, toolOptions = {}) {
      const args = { name, code, description: toolOptions.description ?? `security test ${name}`, ...toolOptions };
      const created = await call('create_tool', args);
      // The suite retries a failed attack once, on the same server (beforeAll does not run
      // again): the tool the first attempt made is deleted, and the retry creates it afresh.
      // (No attack file creates one name twice on purpose.)
      if (created.isError && /already exists/.test(textOf(created))) {
        await call('delete_tool', { name });
        return call('create_tool', args);
      }
      return created;
    },
    call,
    async lastError(tool) {
      const result = await call('get_last_error', tool ? { tool_name: tool } : {});
      return (result.structuredContent ?? {});
    },
    diagnostics: () => allDiagnostics().slice(startedAt),
    sandboxRss: () => rss,
    noiseFrom: 0,
    async close() {
      clearInterval(sampler);
      await client.close();
      const deadline = Date.now() + 5_000;
      while (isAlive(serverPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const healthy = await server.createTool(HEALTHY_TOOL, 'export default (a: { n: number }) => ({ doubled: a.n * 2 });');
  expect(healthy.isError, JSON.stringify(healthy)).toBeFalsy();
  expect((await server.call(HEALTHY_TOOL, { n: 1 })).isError).toBeFalsy();
  // The server starts its second sandbox process shortly after the first is ready: wait until
  // it has loaded node and isolated-vm (resident memory past STARTED_RSS), so that attacks that
  // compare the set of sandbox processes see only their own effect, and every baseline is
  // taken from a started process (a sample taken while it starts would make the bound tiny).
  const started = () => {
    const pids = childrenOf(serverPid).filter(isSandboxProcess);
    return pids.length >= SANDBOX_PROCESSES && pids.every((pid) => rssOf(pid) >= STARTED_RSS);
  };
  for (const deadline = Date.now() + 5_000; !started() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  rss.clear();
  // Start-up (module loading, the first compile) is not an attack: count stalls from the
  // first diagnostics interval that begins after it.
  const seen = allDiagnostics().length;
  while (allDiagnostics().length < seen + 2) await new Promise((r) => setTimeout(r, 20));
  startedAt = allDiagnostics().length;
  server.noiseFrom = performance.now();
  return server;
}

export interface ContainmentCheck {
  /** The attack's tool name: its last execution must be logged... */
  tool?: string;
  /** ...as a FAILURE of this kind (omit for attacks that are expected to succeed harmlessly). */
  kind?: string;
  /** The tool's memory_mb, for the sandbox RSS bound (default 64). */
  memoryMb?: number;
  /** Floor of the event-loop stall bound (default noise.ts's floor); raised only for the 1 MB payload tests. */
  stallBoundMs?: number;
  /** What the attack tried and what held, in numbers, for the figures (e.g. "11 forms refused, 0 connections"). */
  note?: string;
}

/**
 * The checks every attack ends with (issue 4 item 2). Call after the attack's own assertions.
 */
/** The attack class of a file, from its name (the DoS and protocol files record their own). */
function classOf(attack: string): AttackClass {
  if (attack.startsWith('persist-')) return 'persistence';
  if (/^(host-paths|timing-|server-environment|forged-stack)/.test(attack)) return 'information-leak';
  if (/^(host-prototype|sql-|terminal-|forged-jsonrpc|wrapper-|unicode-|overlong-|web-headers-)/.test(attack)) return 'integrity';
  if (/^web-(random-values|structured-clone|url-oversize)/.test(attack)) return 'denial-of-service';
  // Issue 14's surface: floods and bombs are denial of service, a secret leaving is a leak,
  // the rest tries to exceed a tool's capabilities.
  if (/^(egress-|kv-quota-|kv-operation-|progress-)/.test(attack)) return 'denial-of-service';
  // Issue 17's surface: the checker and the gate are made to work without end; the console is
  // made to show hostile text as markup, and retention to erase the log's evidence.
  if (/^(typecheck-|gate-)/.test(attack)) return 'denial-of-service';
  if (/^(console-|retention-)/.test(attack)) return 'integrity';
  if (attack.startsWith('secret-')) return 'information-leak';
  if (/^(ssrf-|kv-|channel-)/.test(attack)) return 'capability';
  return 'realm-escape';
}

export async function expectContained(server: SecurityServer, check: ContainmentCheck = {}): Promise<void> {
  // Every attack is counted in the figures (merged with any figure the test recorded itself).
  const attack = path.basename(expect.getState().testPath ?? 'unknown', '.test.ts');
  // Wait for a diagnostics interval that began after the attack, so a short attack's stall
  // is measured too.
  const seen = server.diagnostics().length;
  for (const deadline = Date.now() + 2_000; server.diagnostics().length < seen + 2 && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const stalls = server.diagnostics();
  const worstStall = stalls.reduce((m, d) => Math.max(m, d.eventLoopMaxMs), 0);
  await recordAfterChecks(
    {
      attack,
      class: classOf(attack),
      contained: true,
      kind: check.kind ?? null,
      elapsedMs: null,
      limitMs: null,
      sandboxPeakRssMb: Math.max(0, ...[...server.sandboxRss().values()].map((r) => r.peak / MB)) || null,
      worstStallMs: worstStall,
      ...(check.note ? { note: check.note } : {}),
    },
    async () => {
      // The server is up, and a good tool still works.
      expect(isAlive(server.serverPid), 'server process is alive').toBe(true);
      const good = await server.call(HEALTHY_TOOL, { n: 21 });
      expect(good.isError, JSON.stringify(good)).toBeFalsy();
      expect(good.structuredContent).toMatchObject({ status: 'SUCCESS', result: { doubled: 42 } });

      // The attack is in the log, with the right kind.
      if (check.tool) {
        const listed = await server.call('list_executions', { tool_name: check.tool, limit: 1 });
        const rows = ((listed.structuredContent ?? {}) as { executions?: Array<Record<string, unknown>> }).executions ?? [];
        expect(rows.length, `a log row for ${check.tool}`).toBeGreaterThan(0);
        if (check.kind) {
          expect(rows[0], 'the attack is logged as a failure of the right kind').toMatchObject({ status: 'FAILURE', error: { kind: check.kind } });
        }
      }

      // The canary is nowhere: not in any response, not in the database or its WAL.
      expect(server.transcript().includes(server.canary), 'canary in a response').toBe(false);
      for (const file of [server.dbPath, `${server.dbPath}-wal`]) {
        if (fs.existsSync(file)) expect(fs.readFileSync(file).includes(server.canary), `canary in ${path.basename(file)}`).toBe(false);
      }

      // Memory and event-loop bounds, measured.
      // A sandbox process starts at ~60 MB (node + isolated-vm); the first sample is its baseline,
      // taken within 10 ms of its start, so 40 MB of slack covers its own warm-up.
      const memoryMb = check.memoryMb ?? 64;
      for (const [pid, { baseline, peak }] of server.sandboxRss()) {
        expect(peak, `sandbox ${pid} peak RSS (baseline ${Math.round(baseline / MB)} MB)`).toBeLessThanOrEqual(baseline + BOUNDS.rssFactor * memoryMb * MB + 40 * MB);
      }
      // The attacks ran since start-up; how late this process's own timers fired over that time
      // is the machine noise the stall is judged against (noise.ts).
      const noise = processNoiseSince(server.noiseFrom);
      expect(worstStall, `server event-loop stall (ms); machine noise ${noise.toFixed(0)} ms`).toBeLessThanOrEqual(stallBound(noise, check.stallBoundMs));
      const peakRss = stalls.reduce((m, d) => Math.max(m, d.rssBytes), 0);
      expect(peakRss, 'server RSS').toBeLessThan(400 * MB);
    },
  );
}

/**
 * Runs `checks`, then records `figure`, as contained only if they all passed, and rethrows
 * their failure: the figures never claim what was not checked, and a missed bound still
 * shows in them (scripts/security-figures.mjs reports failed attacks too). Returns what
 * `checks` returns, so synchronous checks stay synchronous.
 */
export function recordAfterChecks<T extends void | Promise<void>>(figure: Figure, checks: () => T): T {
  const failed = (err: unknown): never => {
    recordFigure({ ...figure, contained: false });
    throw err;
  };
  let result: T;
  try {
    result = checks();
  } catch (err) {
    return failed(err);
  }
  if (result instanceof Promise) return result.then(() => recordFigure(figure), failed) as T;
  recordFigure(figure);
  return result;
}

/** Text of a tool result, for message checks. */
export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}
