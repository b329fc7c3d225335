// A minimal MCP client over Streamable HTTP for the bench: node:http with keep-alive, no client
// library, so that the client costs the 2-core machine as little as possible while it loads the
// servers. Opens a session when the server gives one (stateful mode); else sends no session id.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { ROOT } from './env.mjs';

const PROTOCOL_VERSION = '2025-06-18';

/** An MCP session on `url`; `call(name, args)` resolves with the tool's result, rejects on an error. */
export async function openHttpSession(url, { headers = {}, maxSockets = 16 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  let nextId = 1;
  let sessionId = '';
  const post = (body) =>
    new Promise((resolve, reject) => {
      const sent = { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROTOCOL_VERSION };
      if (sessionId) sent['mcp-session-id'] = sessionId;
      const req = http.request(url, { method: 'POST', agent, headers: sent }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode >= 400) return reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
          resolve({ headers: res.headers, messages: parseMessages(text, String(res.headers['content-type'] ?? '')) });
        });
      });
      req.setNoDelay(true);
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const request = async (method, params) => {
    const id = nextId++;
    const { messages } = await post({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
    const answer = messages.find((m) => m.id === id);
    if (!answer) throw new Error(`no answer to ${method}`);
    if (answer.error) throw new Error(`${method} failed: ${JSON.stringify(answer.error)}`);
    return answer.result;
  };
  const init = await post({ jsonrpc: '2.0', id: nextId++, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'chameleon-bench', version: '1' } } });
  sessionId = String(init.headers['mcp-session-id'] ?? '');
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    request,
    async call(name, args) {
      const result = await request('tools/call', { name, arguments: args });
      if (result.isError) throw new Error(`${name} answered an error: ${JSON.stringify(result.content).slice(0, 300)}`);
      return result;
    },
    close: () => agent.destroy(),
  };
}

function parseMessages(text, contentType) {
  if (text.trim() === '') return [];
  if (!contentType.includes('text/event-stream')) {
    const parsed = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [parsed];
  }
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data));
}

/**
 * `node <bin> serve --http 127.0.0.1:0 <args>`; resolves once it says where it listens.
 * `stop()` sends SIGTERM and waits for the exit (SIGKILL after 5 s).
 */
export function startHttpServer(bin, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--http', '127.0.0.1:0', ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 30 s; stderr: ${stderr.slice(-500)}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening; stderr: ${stderr.slice(-500)}`));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-8_000);
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (!url) return;
      clearTimeout(timer);
      child.stderr.removeAllListeners('data');
      child.stderr.resume();
      resolve({
        url,
        pid: child.pid,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(killer);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
