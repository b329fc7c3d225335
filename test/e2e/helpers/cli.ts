/**
 * Spawning the built `chameleon` CLI (bin/chameleon.js -> dist/cli.js) as a real child process,
 * over stdio or HTTP, and watching its process tree.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'chameleon.js');

export interface Connected {
  client: Client;
  /** How many notifications/tools/list_changed arrived so far. */
  listChanged(): number;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Pid of the spawned launcher (stdio only). */
  pid: number | null;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

function wrap(client: Client, stderr: () => string, pid: number | null): Connected {
  let changes = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changes++;
  });
  return {
    client,
    listChanged: () => changes,
    stderr,
    pid,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 20_000 })) as CallToolResult,
    close: () => client.close(),
  };
}

/** `chameleon serve --db <db> [--persona P] [--config FILE]` over stdio, with the SDK client. */
export async function connectStdio(options: { db: string; persona?: string; config?: string }): Promise<Connected> {
  const args = [BIN, 'serve', '--db', options.db, ...(options.persona ? ['--persona', options.persona] : []), ...(options.config ? ['--config', options.config] : [])];
  const transport = new StdioClientTransport({ command: process.execPath, args, cwd: ROOT, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport);
  // Listing once makes the SDK client validate every structuredContent against its outputSchema.
  await client.listTools();
  return wrap(client, () => stderr, transport.pid);
}

/** An SDK client over Streamable HTTP. */
export async function connectHttp(url: string, headers: Record<string, string> = {}): Promise<Connected> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: 'e2e-http', version: '1.0.0' });
  await client.connect(transport);
  await client.listTools();
  return wrap(client, () => '', null);
}

export interface Spawned {
  child: ChildProcess;
  stderr(): string;
  /** Resolves with the exit code and signal; also once the process already exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the process (and the sandbox processes found under it) if still running. */
  kill(): void;
}

/** Spawns the CLI with piped stdio. Call `kill()` when done, in case a test failed midway. */
export function spawnCli(args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    for (const pid of descendants(child.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    child.kill('SIGKILL');
  };
  return { child, stderr: () => stderr, exited, kill };
}

/** `chameleon serve --http <address>`; resolves once it logs the URL it listens on. */
export async function startHttpServer(options: { db: string; address?: string; env?: Record<string, string>; args?: string[] }): Promise<Spawned & { url: string }> {
  const spawned = spawnCli(['serve', '--db', options.db, '--http', options.address ?? '127.0.0.1:0', ...(options.args ?? [])], options.env);
  try {
    const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(spawned.stderr())?.[1], 15_000, () => `server did not start; stderr:\n${spawned.stderr()}`);
    return { ...spawned, url };
  } catch (err) {
    spawned.kill();
    throw err;
  }
}

export async function waitFor<T>(probe: () => T | undefined | null | false, timeoutMs: number, describe: () => string = () => 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${describe()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Live (non-zombie) descendants of `pid`, from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat || stat.state === 'Z') continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

export function isRunning(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.state !== 'Z';
}

function readStat(pid: number): { state: string; ppid: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: fields start after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}

export function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

export function structured<T = Record<string, unknown>>(result: CallToolResult): T {
  return result.structuredContent as T;
}
