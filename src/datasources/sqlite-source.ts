/**
 * A SQLite datasource: a few query processes (sqlite-child.ts), each with its own read-only
 * connection, and a queue. A query runs in whichever process is free; at its deadline the
 * process running it is killed (SIGKILL: nothing else stops SQLite mid-statement here) and
 * another is started in its place, so a runaway query costs its own call, never the server's
 * event loop or the other calls. Processes start on first use.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Logger } from '../logger.js';
import type { ChildQuery, ChildReply } from './sqlite-child.js';
import type { Statement } from './statement.js';
import type { Datasource, DescribeOutcome, QueryLimits, QueryOutcome, SqlError } from './types.js';

export interface SqliteSourceOptions {
  name: string;
  /** Absolute path of the database file. */
  file: string;
  /** Query processes: queries that run at once. */
  processes: number;
  logger: Logger;
}

type JobRequest = { op: 'describe'; text: string; end: number } | Omit<ChildQuery, 'id'>;
type Outcome = ChildReply | { timeout: true } | { lost: string };

interface Job {
  id: number;
  request: JobRequest;
  /** Starts the job's deadline: when it is handed to a ready process, not while it waits. */
  start(): void;
  settle(outcome: Outcome): void;
}

interface Lane {
  child: ChildProcess | null;
  /** The child has opened its connection and said so: jobs sent now start at once. */
  ready: boolean;
  job: Job | null;
}

/** The built child in dist/, also when this module runs from src/ under the test runner. */
function childEntryPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return path.resolve(path.dirname(here), '../../dist/datasources/sqlite-child.js');
  return path.resolve(path.dirname(here), 'sqlite-child.js');
}

export function createSqliteSource(options: SqliteSourceOptions): Datasource {
  const lanes: Lane[] = Array.from({ length: options.processes }, () => ({ child: null, ready: false, job: null }));
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  /** Starts the lane's process; a fork that fails (EMFILE, EAGAIN) fails the next waiting job. */
  function spawn(lane: Lane): void {
    let child: ChildProcess;
    try {
      child = fork(childEntryPath(), [options.file], {
        // Not the server's flags (a test runner's loaders, inspector ports): the child needs none.
        execArgv: [],
        // Only what it needs: the server's environment (tokens, keys) stays out of reach.
        env: { TZ: 'UTC' },
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'json',
      });
    } catch (error) {
      queue.shift()?.settle({ lost: `the query process could not be started (${error instanceof Error ? error.message : String(error)}); retry in a moment` });
      return;
    }
    lane.child = child;
    lane.ready = false;
    child.stderr?.on('data', (chunk: Buffer) => options.logger.warn('sqlite query process wrote to stderr', { datasource: options.name, text: chunk.toString('utf8').slice(0, 500) }));
    child.on('message', (reply: ChildReply | { ready: true }) => {
      if (lane.child !== child) return;
      if ('ready' in reply) {
        lane.ready = true;
        dispatch();
        return;
      }
      const job = lane.job;
      if (job === null || reply.id !== job.id) return;
      lane.job = null;
      job.settle(reply);
      dispatch();
    });
    child.on('exit', (code, signal) => {
      if (lane.child !== child) return;
      const why = signal ? `it was ended by ${signal}` : `it exited with code ${String(code)}`;
      const job = lane.job ?? (lane.ready ? null : queue.shift());
      lane.child = null;
      lane.ready = false;
      lane.job = null;
      // A process that died before it was ready fails a waiting job rather than loop on starts.
      job?.settle({ lost: why });
      dispatch();
    });
    child.on('error', (error) => options.logger.warn('sqlite query process error', { datasource: options.name, error: error.message }));
  }

  function dispatch(): void {
    if (closed) return;
    for (const lane of lanes) {
      if (queue.length === 0) return;
      if (lane.job !== null) continue;
      if (lane.child === null) spawn(lane);
      if (lane.child === null || !lane.ready) continue;
      const job = queue.shift()!;
      lane.job = job;
      job.start();
      lane.child.send({ ...job.request, id: job.id });
    }
  }

  /** Drops `job` from the queue, or kills the process running it and starts its replacement. */
  function stop(job: Job): void {
    const queued = queue.indexOf(job);
    if (queued >= 0) {
      queue.splice(queued, 1);
      return;
    }
    const lane = lanes.find((l) => l.job === job);
    if (!lane?.child) return;
    const child = lane.child;
    lane.child = null;
    lane.ready = false;
    lane.job = null;
    child.kill('SIGKILL');
    // At once, so that the lane is warm again for the next query.
    if (!closed) spawn(lane);
    dispatch();
  }

  /**
   * Runs `request` in the next free process. Its `timeoutMs` counts from when a ready process
   * takes it, as a sandbox call's limits do: waiting for a process is not billed to the query.
   * The caller's `signal` (its call has ended) stops it wherever it is.
   */
  function run(request: JobRequest, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    if (closed) return Promise.resolve({ lost: 'the server is shutting down' });
    if (signal?.aborted) return Promise.resolve({ lost: 'the call that asked for it has ended' });
    return new Promise((resolve) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const aborted = () => {
        stop(job);
        job.settle({ lost: 'the call that asked for it has ended' });
      };
      const job: Job = {
        id: nextId++,
        request,
        start() {
          timer = setTimeout(() => {
            stop(job);
            job.settle({ timeout: true });
          }, timeoutMs);
        },
        settle(outcome) {
          if (done) return;
          done = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', aborted);
          resolve(outcome);
        },
      };
      signal?.addEventListener('abort', aborted);
      queue.push(job);
      dispatch();
    });
  }

  function failure(reply: { timeout: true } | { lost: string } | Extract<ChildReply, { ok: false }>, timeoutMs: number): SqlError {
    if ('timeout' in reply) return { kind: 'timeout', code: 'TIMEOUT', message: `The query ran past its time limit of ${timeoutMs} ms and was stopped.` };
    if ('lost' in reply) {
      return { kind: 'exception', code: 'QUERY_PROCESS_LOST', message: `The query process stopped before answering (${reply.lost}); a query whose result is too large for memory does this.` };
    }
    return reply.error;
  }

  return {
    name: options.name,
    dialect: 'sqlite',
    async describe(statement: Statement, timeoutMs: number): Promise<DescribeOutcome> {
      const reply = await run({ op: 'describe', text: statement.text, end: statement.end }, timeoutMs);
      if ('ok' in reply && reply.ok) return { ok: true, description: { columns: reply.columns } };
      return { ok: false, error: failure(reply, timeoutMs) };
    },
    async query(statement: Statement, values: Readonly<Record<string, unknown>>, limits: QueryLimits, signal?: AbortSignal): Promise<QueryOutcome> {
      const reply = await run({ op: 'query', text: statement.text, end: statement.end, values: { ...values }, maxRows: limits.maxRows, maxBytes: limits.maxBytes }, limits.timeoutMs, signal);
      if ('ok' in reply && reply.ok) return { ok: true, result: { columns: reply.columns, rows: reply.rows ?? [], truncated: reply.truncated ?? null } };
      return { ok: false, error: failure(reply, limits.timeoutMs) };
    },
    async close(): Promise<void> {
      closed = true;
      for (const job of queue.splice(0)) job.settle({ lost: 'the server is shutting down' });
      const exits: Array<Promise<void>> = [];
      for (const lane of lanes) {
        const child = lane.child;
        if (!child) continue;
        exits.push(new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()))));
        child.kill('SIGKILL');
      }
      await Promise.all(exits);
    },
  };
}
