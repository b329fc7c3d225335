import { PassThrough, Readable } from 'node:stream';
import type { Runtime } from '../../../src/cli/runtime.js';

export interface FakeRuntime extends Runtime {
  /** Everything written to stdout / stderr so far. */
  out(): string;
  err(): string;
  /** Fires the shutdown handlers, as Ctrl-C would. */
  interrupt(): void;
}

/** A Runtime on in-memory streams: not a terminal (no colour) unless `env` forces it. */
export function fakeRuntime(options: { env?: Record<string, string>; stdin?: string; homedir?: string } = {}): FakeRuntime {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const handlers: ((signal: string) => void)[] = [];
  return {
    env: options.env ?? {},
    stdin: Readable.from([options.stdin ?? '']),
    stdout,
    stderr,
    homedir: options.homedir ?? '/nonexistent-home',
    onShutdownSignal: (h) => handlers.push(h),
    protectStdout: () => undefined,
    out: () => out,
    err: () => err,
    interrupt: () => handlers.forEach((h) => h('SIGINT')),
  };
}
