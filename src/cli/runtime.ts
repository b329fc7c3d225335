import type { Readable, Writable } from 'node:stream';

/**
 * What the CLI needs from its process, handed down by the composition root (cli.ts) so that
 * commands never reach for `process` themselves.
 */
export interface Runtime {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly homedir: string;
  /** Calls `handler` on SIGINT, SIGTERM and SIGHUP (every time; the handler decides). */
  onShutdownSignal(handler: (signal: string) => void): void;
  /** stdout carries the MCP protocol: route stray console output to stderr. */
  protectStdout(): void;
}
