/**
 * Upstream MCP servers the host names in its config (`upstreams`), reached by tools that
 * declare them (`capabilities.mcp`) through `ctx.mcp.<name>.callTool(tool, args)` (issue 15,
 * item 4). The server process holds the client connections (the SDK's Client), as it holds
 * every other capability: the sandbox process only forwards the request. A connection is made
 * on first use and made again after it fails; every call is bounded by the calling tool's
 * remaining deadline, and what comes back crosses as JSON text.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { redactor, type Redact } from '../egress/redaction.js';

/** A value in an upstream's env or headers: literal text, or one of the host's secrets. */
type ConfigValue = string | { secret: string };

export type UpstreamAnswer = { ok: true; json: string } | { ok: false; name: 'McpError' | 'McpToolError'; message: string };

export interface Upstreams {
  /** Calls `tool` on upstream `server`; never rejects. */
  /** `stop` aborts the call early (its caller ended); `timeoutMs` bounds it anyway. */
  callTool(server: string, tool: string, args: Record<string, unknown>, timeoutMs: number, stop?: AbortSignal): Promise<UpstreamAnswer>;
  listTools(server: string, timeoutMs: number, stop?: AbortSignal): Promise<UpstreamAnswer>;
  close(): Promise<void>;
}

/** What a message quotes of an upstream's text: a line, not a document. */
const MAX_MESSAGE_CHARS = 2_000;
/** Lines of an upstream's stderr kept for the message of a failed start. */
const STDERR_TAIL_CHARS = 2_000;

interface Connection {
  client: Client;
  ready: Promise<void>;
  stderrTail: string;
  /**
   * Replaces the values of the secrets given to this upstream (env, headers) in what it
   * answers: an upstream that reports its environment must not hand them to a tool.
   */
  redact: Redact;
}

export function createUpstreams(config: Config['upstreams'], secretValue: (name: string) => string | undefined, logger: Logger): Upstreams {
  const connections = new Map<string, Connection>();
  let closed = false;

  const resolve = (values: Record<string, ConfigValue> | undefined, where: string, used: Map<string, string>): Record<string, string> | string => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(values ?? {})) {
      if (typeof value === 'string') out[key] = value;
      else {
        const secret = secretValue(value.secret);
        if (secret === undefined) return `${where}.${key} names the secret ${value.secret}, which has no value on this server (its environment variable is not set)`;
        out[key] = secret;
        used.set(value.secret, secret);
      }
    }
    return out;
  };

  function connect(server: string): Connection | string {
    const existing = connections.get(server);
    if (existing) return existing;
    const spec = config[server];
    if (spec === undefined) return `no upstream MCP server named ${server} is configured`;
    let transport: Transport;
    const conn: Partial<Connection> = { stderrTail: '' };
    const used = new Map<string, string>();
    if ('command' in spec) {
      const env = resolve(spec.env, `upstreams.${server}.env`, used);
      if (typeof env === 'string') return env;
      const stdio = new StdioClientTransport({ command: spec.command, args: spec.args ?? [], env: { ...getDefaultEnvironment(), ...env }, stderr: 'pipe', ...(spec.cwd ? { cwd: spec.cwd } : {}) });
      stdio.stderr?.on('data', (chunk: Buffer) => {
        conn.stderrTail = `${conn.stderrTail ?? ''}${chunk.toString('utf8')}`.slice(-STDERR_TAIL_CHARS);
      });
      transport = stdio;
    } else {
      const headers = resolve(spec.headers, `upstreams.${server}.headers`, used);
      if (typeof headers === 'string') return headers;
      transport = new StreamableHTTPClientTransport(new URL(spec.url), { requestInit: { headers } });
    }
    const client = new Client({ name: 'chameleon', version: '1.0.0' }, { capabilities: {} });
    const forget = (why: string) => {
      if (connections.get(server)?.client !== client) return;
      connections.delete(server);
      if (!closed) logger.warn(`upstream MCP server ${server} disconnected; the next call starts it again`, { why });
    };
    client.onclose = () => forget('closed');
    client.onerror = (error) => logger.debug(`upstream MCP server ${server}: ${error.message}`);
    conn.client = client;
    conn.redact = redactor(used);
    conn.ready = client.connect(transport).catch((error: unknown) => {
      forget('could not connect');
      throw error;
    });
    conn.ready.catch(() => undefined);
    connections.set(server, conn as Connection);
    return conn as Connection;
  }

  async function request(server: string, timeoutMs: number, stop: AbortSignal | undefined, run: (client: Client, options: { timeout: number; signal: AbortSignal }) => Promise<UpstreamAnswer>): Promise<UpstreamAnswer> {
    if (closed) return { ok: false, name: 'McpError', message: 'The server is shutting down.' };
    const conn = connect(server);
    if (typeof conn === 'string') return { ok: false, name: 'McpError', message: `ctx.mcp.${server}: ${conn}.` };
    const ms = Math.max(1, Math.floor(timeoutMs));
    const signal = stop ? AbortSignal.any([AbortSignal.timeout(ms), stop]) : AbortSignal.timeout(ms);
    try {
      await Promise.race([conn.ready, new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)))]);
    } catch (error) {
      const tail = conn.redact(conn.stderrTail.trim());
      return {
        ok: false,
        name: 'McpError',
        message: cap(`ctx.mcp.${server}: the upstream MCP server could not be reached: ${messageOf(error)}${tail ? `. Its stderr ends: ${tail}` : ''}. The host should check upstreams.${server} in its config.`),
      };
    }
    try {
      const answer = await run(conn.client, { timeout: ms, signal });
      return answer.ok ? { ok: true, json: conn.redact(answer.json) } : { ...answer, message: conn.redact(answer.message) };
    } catch (error) {
      return { ok: false, name: 'McpError', message: cap(conn.redact(`ctx.mcp.${server}: ${messageOf(error)}`)) };
    }
  }

  return {
    callTool(server, tool, args, timeoutMs, stop) {
      return request(server, timeoutMs, stop, async (client, options) => {
        const result = await client.callTool({ name: tool, arguments: args }, undefined, options);
        if (result.isError === true) {
          return { ok: false, name: 'McpToolError', message: cap(`ctx.mcp.${server}.callTool(${JSON.stringify(tool)}) failed: ${textOf(result.content) || 'the upstream gave no message'}`) };
        }
        const value = result.structuredContent ?? result.content ?? null;
        return { ok: true, json: JSON.stringify(value) ?? 'null' };
      });
    },
    listTools(server, timeoutMs, stop) {
      return request(server, timeoutMs, stop, async (client, options) => {
        const listed = await client.listTools(undefined, options);
        return { ok: true, json: JSON.stringify(listed.tools.map((t) => ({ name: t.name, description: t.description ?? '', inputSchema: t.inputSchema }))) };
      });
    },
    async close() {
      closed = true;
      const all = [...connections.values()];
      connections.clear();
      await Promise.allSettled(all.map((c) => c.client.close()));
    },
  };
}

function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((c: unknown) => {
      const text = c !== null && typeof c === 'object' && (c as { type?: unknown }).type === 'text' ? (c as { text?: unknown }).text : undefined;
      return typeof text === 'string' ? text : '';
    })
    .filter(Boolean)
    .join(' ');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function cap(text: string): string {
  return text.length <= MAX_MESSAGE_CHARS ? text : `${text.slice(0, MAX_MESSAGE_CHARS)}…`;
}
