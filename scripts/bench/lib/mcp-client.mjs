// Talking to MCP servers from the bench: the SDK client over stdio for warm calls, and a raw
// line client for start-up times (no client library between the spawn and the first answer).
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ROOT } from './env.mjs';

export function serverEnv() {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
}

/** An SDK client connected to `node <args>` over stdio. `close()` ends the server. */
export async function connectStdio(args) {
  const transport = new StdioClientTransport({ command: process.execPath, args, cwd: ROOT, env: serverEnv(), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const client = new Client({ name: 'chameleon-bench', version: '1.0.0' });
  try {
    await client.connect(transport);
    await client.listTools();
  } catch (err) {
    await client.close().catch(() => {});
    throw new Error(`could not connect to node ${args.join(' ')}: ${err.message}; stderr: ${stderr.trim().slice(-500)}`);
  }
  return {
    client,
    pid: transport.pid,
    stderr: () => stderr,
    async call(name, args) {
      const result = await client.callTool({ name, arguments: args });
      if (result.isError) throw new Error(`${name} answered an error: ${JSON.stringify(result.content).slice(0, 300)}`);
      return result;
    },
    close: () => client.close(),
  };
}

/** Runs `total` calls of `fn` with at most `width` in flight. */
export async function inFlight(fn, total, width) {
  let started = 0;
  const lane = async () => {
    while (started < total) {
      started++;
      await fn();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, total) }, lane));
}

const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'chameleon-bench', version: '1.0.0' } } };
const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' };

/**
 * Spawns `node <args>` and measures the time from spawn to the answer of the first tools/call,
 * as a client would see it: with `handshake`, initialize first and the call once it is answered;
 * without, the call at once (the bare baseline answers one line). With `untilInitialize`, the
 * time to the answer of initialize (the server's own start-up, no call). Then ends stdin and
 * waits for the process to exit (untimed), killing it after 5 s.
 */
export function timeToFirstResult({ args, tool, toolArgs, handshake, untilInitialize = false }) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env: serverEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let elapsed = null;
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr = (stderr + c).slice(-4000)));
    const send = (message) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: tool, arguments: toolArgs } };
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      const last = untilInitialize ? 1 : 2;
      if (message.id === 1 && !untilInitialize) {
        send(INITIALIZED);
        send(call);
      } else if (message.id === last && elapsed === null) {
        elapsed = performance.now() - t0;
        if (message.error || message.result?.isError) {
          child.kill('SIGKILL');
          reject(new Error(`${untilInitialize ? 'initialize' : 'first call'} failed: ${line.slice(0, 300)}`));
          return;
        }
        child.stdin.end();
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      if (elapsed !== null) resolve(elapsed);
      else reject(new Error(`server exited (${signal ?? code}) before answering; stderr: ${stderr.trim().slice(-500)}`));
    });
    child.stdin.on('error', () => {});
    send(handshake ? INITIALIZE : call);
  });
}

/** An SDK client over Streamable HTTP (the SDK's own StreamableHTTPClientTransport). */
export async function connectHttp(url) {
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const client = new Client({ name: 'chameleon-bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  await client.listTools();
  return {
    client,
    async call(name, args) {
      const result = await client.callTool({ name, arguments: args });
      if (result.isError) throw new Error(`${name} answered an error: ${JSON.stringify(result.content).slice(0, 300)}`);
      return result;
    },
    close: () => client.close(),
  };
}

/**
 * Spawns `node <args>` (an HTTP server) and resolves with its URL once `urlIn(output)` finds it
 * in its stdout or stderr. `kill()` ends it (SIGTERM, then SIGKILL after 5 s).
 */
export async function spawnHttpServer(args, urlIn) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL from node ${args.join(' ')} after 30 s: ${output.slice(-500)}`)), 30_000);
    const read = (chunk) => {
      output = (output + chunk.toString('utf8')).slice(-8000);
      const found = urlIn(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`node ${args.join(' ')} exited (${signal ?? code}) before listening: ${output.slice(-500)}`));
    });
  });
  return {
    url,
    kill() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const hard = setTimeout(() => child.kill('SIGKILL'), 5_000);
      return exited.finally(() => clearTimeout(hard));
    },
  };
}
