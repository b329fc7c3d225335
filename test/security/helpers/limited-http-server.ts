/**
 * `chameleon serve --http` started under `ulimit -n` and a config file, spoken to over fresh
 * connections (agent: false) or over sockets opened in advance: when the server's descriptors
 * are exhausted no new connection gets through, so a test keeps one open for the call it
 * needs to make then.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT } from '../../e2e/helpers/cli.js';

export interface LimitedServer {
  child: ChildProcessWithoutNullStreams;
  url: URL;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  close(): Promise<void>;
}

export async function startLimitedServer(options: { fdLimit?: number; config: Record<string, unknown> }): Promise<LimitedServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-limited-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(options.config));
  const args = [BIN, 'serve', '--db', path.join(dir, 'c.db'), '--http', '127.0.0.1:0', '--config', configFile];
  // `exec`: the limit applies to the server itself, whose pid is then the child's.
  const script = options.fdLimit === undefined ? 'exec "$@"' : `ulimit -n ${options.fdLimit} && exec "$@"`;
  const child = spawn('sh', ['-c', script, 'sh', process.execPath, ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HOME: dir }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!(url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1])) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    child,
    url: new URL(url),
    stderr: () => stderr,
    exited,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The JSON-RPC messages of the body (plain JSON or server-sent events). */
  messages: Array<{ id?: unknown; result?: { isError?: boolean; structuredContent?: unknown }; error?: { code: number; message: string } }>;
}

/** One POST on a connection of its own (no keep-alive: nothing lingers between requests). */
export function post(url: URL, message: unknown, headers: Record<string, string> = {}, localAddress?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, localAddress, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, messages: parseMessages(body) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(message));
  });
}

/** The same POST written by hand on a socket opened earlier; resolves when the server closes it. */
export function postOn(socket: net.Socket, url: URL, message: unknown, headers: Record<string, string>): Promise<string> {
  const body = Buffer.from(JSON.stringify(message));
  const head = [`POST ${url.pathname} HTTP/1.1`, `Host: ${url.host}`, 'Content-Type: application/json', 'Accept: application/json, text/event-stream', `Content-Length: ${body.length}`, 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8').on('data', (c: string) => (text += c));
    socket.once('close', () => resolve(text));
    socket.once('error', reject);
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    socket.write(body);
  });
}

export function parseMessages(body: string): Reply['messages'] {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) return [JSON.parse(trimmed) as Reply['messages'][number]];
  return body
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => JSON.parse(l.slice(5).trim()) as Reply['messages'][number]);
}

export const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'limited', version: '1' } } };

/** initialize + notifications/initialized on fresh connections; the session's headers. */
export async function openSession(url: URL, localAddress?: string): Promise<Record<string, string>> {
  const init = await post(url, INITIALIZE, {}, localAddress);
  const id = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof id !== 'string') throw new Error(`initialize failed: ${init.status} ${init.body}`);
  const headers = { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' };
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers, localAddress);
  return headers;
}

export function callTool(name: string, args: unknown, id = 2): unknown {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

/** A TCP connection to the server, resolved once connected. */
export function connect(url: URL): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}
