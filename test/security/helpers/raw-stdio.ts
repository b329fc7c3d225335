/**
 * A `chameleon serve` spoken to in raw bytes, for the protocol-level attacks: malformed,
 * oversize and deeply nested JSON-RPC that no SDK client would send (or could: the SDK's
 * JSON.stringify overflows its stack on a 100,000-deep argument). Like the harness, it plants
 * a canary in the server's environment and reads its diagnostics; unlike it, it sees every
 * byte the server writes to stdout, so a stray or missing reply cannot hide.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { isAlive, ROOT, type Diagnostics } from './harness.js';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const DIAGNOSTICS = '[chameleon] diagnostics: ';

export interface Reply {
  jsonrpc?: string;
  id?: string | number | null;
  result?: any;
  error?: { code: number; message: string; data?: unknown };
  method?: string;
}

export interface RawServer {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  canary: string;
  dbPath: string;
  /** Writes `text` to the server's stdin as is (add the newline yourself). */
  write(text: string | Buffer): Promise<void>;
  /** Writes one message as a JSON line. */
  send(message: unknown): Promise<void>;
  /** Every complete line the server wrote to stdout, parsed (a line that is not JSON fails the test). */
  messages(): Reply[];
  /** Waits for the reply with this id. */
  reply(id: string | number, timeoutMs?: number): Promise<Reply>;
  /** Replies with `id: null` (errors for messages whose id the server could not read). */
  nullIdErrors(): Reply[];
  /** Sends a request and waits for its reply. */
  request(method: string, params?: unknown, timeoutMs?: number): Promise<Reply>;
  callTool(name: string, args: unknown, timeoutMs?: number): Promise<Reply>;
  stderr(): string;
  /** Diagnostics lines since start-up finished. */
  diagnostics(): Diagnostics[];
  /** The worst event-loop stall over the diagnostics windows from `from` (an index into diagnostics()). */
  worstStallSince(from: number): number;
  /** Server alive, a good tool works, the canary is nowhere on stdout or in the database. */
  expectHealthy(): Promise<void>;
  /** Ends stdin and waits for the exit; SIGKILL after `graceMs` (a frozen server never exits). */
  close(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export const HEALTHY = 'raw_healthy_check';

export async function startRawServer(options: { extraArgs?: string[] } = {}): Promise<RawServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sec-raw-'));
  const dbPath = path.join(dir, 'raw.db');
  const canary = `CANARY_${randomBytes(12).toString('hex')}`;
  const child = spawn(process.execPath, ['--no-node-snapshot', '--no-harmony-rab-gsab', CLI, 'serve', '--db', dbPath, ...(options.extraArgs ?? [])], {
    cwd: ROOT,
    env: { ...process.env, CHAMELEON_CANARY: canary, CHAMELEON_DIAGNOSTICS: '1', SECRET_TOKEN: canary },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stdout = '';
  let stdoutAll = '';
  const parsed: Reply[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdoutAll += chunk;
    stdout += chunk;
    let nl: number;
    while ((nl = stdout.indexOf('\n')) >= 0) {
      const line = stdout.slice(0, nl);
      stdout = stdout.slice(nl + 1);
      let message: Reply;
      try {
        message = JSON.parse(line) as Reply;
      } catch {
        message = { jsonrpc: 'NOT JSON', error: { code: 0, message: line.slice(0, 200) } };
      }
      parsed.push(message);
    }
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A write to a server that died must fail the test, not crash the worker with EPIPE.
  child.stdin.on('error', () => undefined);

  const allDiagnostics = (): Diagnostics[] =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith(DIAGNOSTICS))
      .map((l) => JSON.parse(l.slice(DIAGNOSTICS.length)) as Diagnostics);
  let startedAt = 0;
  let nextId = 1_000;

  const write = (text: string | Buffer) => new Promise<void>((resolve) => child.stdin.write(text, () => resolve()));
  const reply = async (id: string | number, timeoutMs = 15_000): Promise<Reply> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = parsed.find((m) => m.id === id && ('result' in m || 'error' in m));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no reply with id ${String(id)} within ${timeoutMs} ms; stderr:\n${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const request = async (method: string, params?: unknown, timeoutMs?: number) => {
    const id = nextId++;
    await write(`${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) })}\n`);
    return reply(id, timeoutMs);
  };

  const server: RawServer = {
    child,
    pid: child.pid!,
    canary,
    dbPath,
    write,
    send: (message) => write(`${JSON.stringify(message)}\n`),
    messages: () => parsed,
    reply,
    nullIdErrors: () => parsed.filter((m) => m.id === null && m.error),
    request,
    callTool: (name, args, timeoutMs) => request('tools/call', { name, arguments: args }, timeoutMs),
    stderr: () => stderr,
    diagnostics: () => allDiagnostics().slice(startedAt),
    worstStallSince: (from) =>
      allDiagnostics()
        .slice(startedAt)
        .slice(from)
        .reduce((m, d) => Math.max(m, d.eventLoopMaxMs), 0),
    async expectHealthy() {
      expect(isAlive(child.pid!), 'server process is alive').toBe(true);
      const good = await server.callTool(HEALTHY, { n: 21 });
      expect(good.result?.structuredContent, JSON.stringify(good)).toMatchObject({ status: 'SUCCESS', result: { doubled: 42 } });
      // Every line on stdout was a JSON-RPC message.
      for (const m of parsed) expect(m.jsonrpc, `stdout line: ${JSON.stringify(m).slice(0, 300)}`).toBe('2.0');
      expect(stdoutAll.includes(canary), 'canary on stdout').toBe(false);
      for (const file of [dbPath, `${dbPath}-wal`]) {
        if (fs.existsSync(file)) expect(fs.readFileSync(file).includes(canary), `canary in ${path.basename(file)}`).toBe(false);
      }
    },
    async close(graceMs = 5_000) {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      return result;
    },
  };

  const init = await request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-security', version: '1' } }, 30_000);
  expect(init.result?.serverInfo?.name).toBe('chameleon');
  await server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const created = await server.callTool('create_tool', { name: HEALTHY, description: 'health check', code: 'export default (a: { n: number }) => ({ doubled: a.n * 2 });' });
  expect(created.result?.isError, JSON.stringify(created)).toBeFalsy();
  await server.expectHealthy();
  // Start-up is not an attack: count stalls from the first full diagnostics window after it.
  const seen = allDiagnostics().length;
  while (allDiagnostics().length < seen + 2) await new Promise((r) => setTimeout(r, 20));
  startedAt = allDiagnostics().length;
  return server;
}

/** Waits for `count` more diagnostics lines (each closes a 200 ms window). */
export async function nextDiagnostics(server: RawServer, count = 1): Promise<void> {
  const target = server.diagnostics().length + count;
  const deadline = Date.now() + 2_000;
  while (server.diagnostics().length < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
