import type { Readable, Writable } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

export interface StdioSession {
  /** Resolves when the client goes away: stdin ended or closed, or the transport closed. */
  readonly ended: Promise<string>;
  close(): Promise<void>;
}

/**
 * Serves one session over a pair of streams (the process's stdin/stdout). The SDK transport does
 * not watch for the end of stdin, so this does: a client that closes our stdin has left, and
 * the server must shut down rather than linger with its sandbox processes.
 */
export async function serveStdio(options: { server: McpServer; stdin: Readable; stdout: Writable; maxMessageBytes?: number }): Promise<StdioSession> {
  const { server, stdin, stdout } = options;
  const transport = new StdioServerTransport(stdin, stdout, options.maxMessageBytes === undefined ? undefined : { maxBufferSize: options.maxMessageBytes });
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
