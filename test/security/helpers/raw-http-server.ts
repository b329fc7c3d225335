/**
 * A `chameleon serve --http` spoken to with node:http, byte for byte, for the protocol-level
 * attacks over HTTP (test/e2e/helpers/raw-http.ts sends well-formed JSON only). Plants a
 * canary like the harness and reads the server's diagnostics.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { isAlive, ROOT, type Diagnostics } from './harness.js';
import type { Reply } from './raw-stdio.js';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const DIAGNOSTICS = '[chameleon] diagnostics: ';
export const ACCEPT = 'application/json, text/event-stream';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** JSON-RPC messages in the body (plain JSON or server-sent events). */
  messages: Reply[];
}

export interface RequestOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body in chunks without a Content-Length (Transfer-Encoding: chunked). */
  chunked?: boolean;
}

export interface HttpSession {
  id: string;
  /** Sends one request in this session and returns its reply. */
  request(method: string, params?: unknown, headers?: Record<string, string>): Promise<Reply>;
  callTool(name: string, args: unknown): Promise<Reply>;
}

export interface HttpSecurityServer {
  child: ChildProcessWithoutNullStreams;
  url: string;
  canary: string;
  token: string | null;
  /** Headers every accepted request needs (the bearer token, when the server has one). */
  auth: Record<string, string>;
  send(options: RequestOptions): Promise<HttpResponse>;
  /** initialize + notifications/initialized; returns the session. */
  openSession(headers?: Record<string, string>): Promise<HttpSession>;
  stderr(): string;
  diagnostics(): Diagnostics[];
  worstStallSince(from: number): number;
  /** Waits for the next diagnostics line (it closes the 200 ms window that is open now). */
  nextDiagnostics(): Promise<void>;
  expectHealthy(): Promise<void>;
  close(): Promise<void>;
}

function parseMessages(body: string): Reply[] {
  const out: Reply[] = [];
  const trimmed = body.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const value = JSON.parse(trimmed) as Reply | Reply[];
      return Array.isArray(value) ? value : [value];
    } catch {
      return out;
    }
  }
  for (const line of body.split('\n')) {
    if (!line.startsWith('data:')) continue;
    try {
      out.push(JSON.parse(line.slice(5).trim()) as Reply);
    } catch {
      /* not a message */
    }
  }
  return out;
}

/** `args`: more `serve` arguments, e.g. `--config` with tenants. */
export async function startHttpSecurityServer(options: { token?: string; args?: string[] } = {}): Promise<HttpSecurityServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sec-http-'));
  const canary = `CANARY_${randomBytes(12).toString('hex')}`;
  const child = spawn(process.execPath, ['--no-node-snapshot', '--no-harmony-rab-gsab', CLI, 'serve', '--db', path.join(dir, 'http.db'), '--http', '127.0.0.1:0', ...(options.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, CHAMELEON_CANARY: canary, CHAMELEON_DIAGNOSTICS: '1', SECRET_TOKEN: canary, ...(options.token ? { CHAMELEON_TOKEN: options.token } : {}) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdout.resume();
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!(url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1])) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const responses: string[] = [];

  const send = (o: RequestOptions): Promise<HttpResponse> =>
    new Promise((resolve, reject) => {
      const target = new URL(o.path ?? '/mcp', url);
      const req = http.request(target, { method: o.method ?? 'POST', headers: o.headers ?? {} }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          responses.push(text);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, messages: parseMessages(text) });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (o.body === undefined) req.end();
      else if (o.chunked) {
        const body = typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
        for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
        req.end();
      } else req.end(o.body);
    });

  const post = (headers: Record<string, string>, message: unknown) =>
    send({ headers: { 'content-type': 'application/json', accept: ACCEPT, ...auth, ...headers }, body: JSON.stringify(message) });

  let nextId = 1;
  const openSession = async (headers: Record<string, string> = {}): Promise<HttpSession> => {
    const init = await post(headers, { jsonrpc: '2.0', id: nextId++, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-http-security', version: '1' } } });
    expect(init.status, init.body).toBe(200);
    const id = init.headers['mcp-session-id'] as string;
    expect(id).toBeTruthy();
    const sessionHeaders = { ...headers, 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' };
    await post(sessionHeaders, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const request = async (method: string, params?: unknown, extra: Record<string, string> = {}) => {
      const rid = nextId++;
      const res = await post({ ...sessionHeaders, ...extra }, { jsonrpc: '2.0', id: rid, method, ...(params === undefined ? {} : { params }) });
      return res.messages.find((m) => m.id === rid) ?? { error: { code: res.status, message: res.body } };
    };
    return { id, request, callTool: (name, args) => request('tools/call', { name, arguments: args }) };
  };

  const allDiagnostics = (): Diagnostics[] =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith(DIAGNOSTICS))
      .map((l) => JSON.parse(l.slice(DIAGNOSTICS.length)) as Diagnostics);

  const health = await openSession();
  const created = await health.callTool('create_tool', { name: 'http_healthy_check', description: 'health check', code: 'export default (a: { n: number }) => ({ doubled: a.n * 2 });' });
  expect(created.result?.isError, JSON.stringify(created)).toBeFalsy();
  const seen = allDiagnostics().length;
  while (allDiagnostics().length < seen + 2) await new Promise((r) => setTimeout(r, 20));
  const startedAt = allDiagnostics().length;

  return {
    child,
    url,
    canary,
    token: options.token ?? null,
    auth,
    send,
    openSession,
    stderr: () => stderr,
    diagnostics: () => allDiagnostics().slice(startedAt),
    worstStallSince: (from) =>
      allDiagnostics()
        .slice(startedAt + from)
        .reduce((m, d) => Math.max(m, d.eventLoopMaxMs), 0),
    async nextDiagnostics() {
      const target = allDiagnostics().length + 1;
      const end = Date.now() + 2_000;
      while (allDiagnostics().length < target && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    },
    async expectHealthy() {
      expect(isAlive(child.pid!), 'server process is alive').toBe(true);
      const good = await health.callTool('http_healthy_check', { n: 21 });
      expect(good.result?.structuredContent, JSON.stringify(good)).toMatchObject({ status: 'SUCCESS', result: { doubled: 42 } });
      expect(responses.join('\n').includes(canary), 'canary in a response').toBe(false);
    },
    async close() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
