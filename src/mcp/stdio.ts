import type { Readable, Writable } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createRefusalLog, idFromTail, idOf, INVALID_REQUEST, MAX_MESSAGE_DEPTH, nestedDeeperThan, PARSE_ERROR, rpcError, type RpcId } from './wire-guard.js';

export interface StdioSession {
  /** Resolves when the client goes away: stdin ended or closed, or the transport closed. */
  readonly ended: Promise<string>;
  close(): Promise<void>;
}

/** The SDK's own default line limit. */
const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Stop reading requests while this much output waits for a client that does not read it. */
const OUTPUT_HIGH_WATER_BYTES = 16 * 1024 * 1024;
/** Bytes kept from the end of a line that is too large to keep, to find its id. */
const TAIL_BYTES = 256;

/**
 * Newline-delimited JSON-RPC over a pair of streams, hardened against hostile input. The SDK's
 * StdioServerTransport answers nothing to a line it cannot parse (the client waits for ever),
 * closes the whole session when one line passes its size limit, and copies its buffer on every
 * chunk (quadratic in the line's size). This one answers every bad line with a JSON-RPC error
 * (-32700 for text that is not JSON, -32600 for JSON that is not a message, a batch, a line
 * over the size limit or nested deeper than MAX_MESSAGE_DEPTH), with the request's id when it
 * can be found, and goes on serving. Refusals are logged on stderr, rate-limited, without the
 * message text. (test/security/stdio-*.test.ts)
 */
export class GuardedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private chunks: Buffer[] = [];
  private size = 0;
  /** Past the size limit: the rest of the line is dropped, only its tail is kept. */
  private dropping = false;
  private tail: Buffer = Buffer.alloc(0);
  private closed = false;
  private readonly refused: (reason: string) => void;

  constructor(
    private readonly stdin: Readable,
    private readonly stdout: Writable,
    private readonly maxMessageBytes: number,
    warn: (message: string) => void,
  ) {
    this.refused = createRefusalLog(warn);
  }

  start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onStreamError);
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(message);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onStreamError);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.chunks = [];
    this.onclose?.();
    return Promise.resolve();
  }

  private readonly onStreamError = (error: Error): void => this.onerror?.(error);

  private readonly onData = (data: Buffer | string): void => {
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, from);
      if (newline === -1) {
        this.append(chunk.subarray(from));
        break;
      }
      this.append(chunk.subarray(from, newline));
      this.endLine();
      if (this.closed) return;
      from = newline + 1;
    }
    // A client that sends but does not read would have us buffer replies without end: stop
    // reading its requests until it has taken what is waiting.
    if (this.stdout.writableLength > OUTPUT_HIGH_WATER_BYTES && !this.stdin.isPaused()) {
      this.stdin.pause();
      this.stdout.once('drain', () => {
        if (!this.closed) this.stdin.resume();
      });
    }
  };

  private append(part: Buffer): void {
    if (part.length === 0) return;
    this.size += part.length;
    if (!this.dropping && this.size > this.maxMessageBytes) {
      this.dropping = true;
      this.chunks.push(part);
      this.tail = lastBytes(Buffer.concat(this.chunks), TAIL_BYTES);
      this.chunks = [];
      return;
    }
    if (this.dropping) this.tail = lastBytes(Buffer.concat([this.tail, part]), TAIL_BYTES);
    else this.chunks.push(part);
  }

  private endLine(): void {
    const size = this.size;
    const dropped = this.dropping;
    const line = dropped ? this.tail : this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, size);
    this.chunks = [];
    this.size = 0;
    this.dropping = false;
    this.tail = Buffer.alloc(0);
    if (dropped) {
      this.refuse(idFromTail(line.toString('utf8')), INVALID_REQUEST, `Request too large: the message is ${size} bytes; the limit is ${this.maxMessageBytes} bytes. Send less data.`);
      return;
    }
    let end = line.length;
    if (end > 0 && line[end - 1] === 0x0d) end--;
    if (isBlank(line, end)) return;
    if (nestedDeeperThan(line, end, MAX_MESSAGE_DEPTH)) {
      const tail = line.toString('utf8', Math.max(0, end - TAIL_BYTES), end);
      this.refuse(idFromTail(tail), INVALID_REQUEST, `Invalid Request: the message is nested deeper than ${MAX_MESSAGE_DEPTH} levels (tool arguments may nest at most 64).`);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(line.toString('utf8', 0, end));
    } catch {
      this.refuse(null, PARSE_ERROR, 'Parse error: the line is not valid JSON. Send one JSON-RPC message per line.');
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const why = Array.isArray(raw)
        ? 'Invalid Request: batches are not supported; send one JSON-RPC message per line.'
        : 'Invalid Request: not a JSON-RPC 2.0 request, notification or response (check "jsonrpc": "2.0", "method" and "id").';
      this.refuse(idOf(raw), INVALID_REQUEST, why);
      return;
    }
    this.onmessage?.(parsed.data);
  }

  private refuse(id: RpcId, code: number, message: string): void {
    this.refused(`refused a JSON-RPC message: ${message}`);
    this.write(rpcError(id, code, message)).catch(() => undefined);
  }

  private write(message: unknown): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.stdout.once('drain', resolve);
    });
  }
}

function isBlank(line: Buffer, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = line[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

function lastBytes(buffer: Buffer, count: number): Buffer {
  return buffer.length <= count ? buffer : Buffer.from(buffer.subarray(buffer.length - count));
}

/**
 * Serves one session over a pair of streams (the process's stdin/stdout). The transport does
 * not watch for the end of stdin, so this does: a client that closes our stdin has left, and
 * the server must shut down rather than linger with its sandbox processes.
 */
export async function serveStdio(options: {
  server: McpServer;
  stdin: Readable;
  stdout: Writable;
  maxMessageBytes?: number;
  /** Where refused messages are reported (stderr). */
  warn?: (message: string) => void;
}): Promise<StdioSession> {
  const { server, stdin, stdout } = options;
  const transport = new GuardedStdioTransport(stdin, stdout, options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, options.warn ?? (() => {}));
  let settle!: (reason: string) => void;
  const ended = new Promise<string>((resolve) => (settle = resolve));
  const onEnd = () => settle('stdin ended');
  const onClose = () => settle('stdin closed');
  stdin.once('end', onEnd);
  stdin.once('close', onClose);
  // EPIPE when the client is gone: nobody is left to talk to.
  stdout.once('error', () => settle('stdout closed'));
  server.server.onclose = chain(server.server.onclose, () => settle('transport closed'));
  await server.connect(transport);
  return {
    ended,
    async close() {
      stdin.off('end', onEnd);
      stdin.off('close', onClose);
      await server.close();
    },
  };
}

function chain(first: (() => void) | undefined, second: () => void): () => void {
  return () => {
    first?.();
    second();
  };
}
