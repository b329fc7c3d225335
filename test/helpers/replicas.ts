/**
 * Several real `chameleon serve --http` processes on one store (a SQLite file or a PostgreSQL
 * URL), as a load balancer would see them (issue 19): each on a free loopback port behind the
 * same bearer token, and a client that spreads calls across them round robin: with one MCP
 * session per replica (stateful HTTP, the default), or with none (`http.stateless`). One replica can be SIGKILLed the way a crashed
 * machine goes away; calls it took down with it can be retried on the survivors.
 */
import { randomBytes } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { descendants, isRunning, spawnCli, waitFor, type Spawned } from '../e2e/helpers/cli.js';
import { openRawSession, type RawSession, type RawSessionOptions } from '../e2e/helpers/raw-session.js';

export interface Replica {
  readonly index: number;
  readonly url: string;
  readonly pid: number;
  readonly process: Spawned;
}

export interface ReplicaSet {
  readonly replicas: readonly Replica[];
  /** The bearer token every replica wants (`Authorization: Bearer …`). */
  readonly token: string;
  readonly headers: Readonly<Record<string, string>>;
  /** One session per replica (none when stateless), calls spread round robin; see ReplicaClient. `token`: a tenant's, instead of the host's. */
  connect(options?: { maxSocketsPerReplica?: number; token?: string }): Promise<ReplicaClient>;
  /**
   * SIGKILLs replica `index`'s server process only, as a crash would (its sandbox processes
   * are left to notice their parent is gone). Resolves once it has exited, with the pids of
   * the processes that were under it.
   */
  kill(index: number): Promise<{ orphans: number[] }>;
  /** Kills every replica left, and every process under them. Safe to call twice. */
  stop(): void;
}

export interface StartReplicasOptions {
  count: number;
  /** `--db`: a SQLite file or a postgres:// URL, the same for every replica. */
  db: string;
  persona?: string;
  /** `--config FILE` for every replica. */
  config?: string;
  /** The config sets `http.stateless`: the client then opens no sessions (any request, any replica). */
  stateless?: boolean;
  env?: Record<string, string>;
  args?: readonly string[];
}

/**
 * Starts `count` replicas at once (as a deployment would: their migrations race on a fresh
 * store). Kills those that started if one fails.
 */
export async function startReplicas(options: StartReplicasOptions): Promise<ReplicaSet> {
  const token = randomBytes(24).toString('base64url');
  // Log level info (the default): the replica says `listening on URL` at that level.
  const args = ['serve', '--db', options.db, '--http', '127.0.0.1:0', ...(options.persona ? ['--persona', options.persona] : []), ...(options.config ? ['--config', options.config] : []), ...(options.args ?? [])];
  const env = { CHAMELEON_TOKEN: token, ...options.env };
  const started = await Promise.allSettled(Array.from({ length: options.count }, () => startReplica(args, env)));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    for (const s of started) if (s.status === 'fulfilled') s.value.kill();
    throw failed.reason;
  }
  const replicas: Replica[] = started.map((s, index) => {
    const spawned = (s as PromiseFulfilledResult<Spawned & { url: string }>).value;
    return { index, url: spawned.url, pid: spawned.child.pid!, process: spawned };
  });
  const headers = { authorization: `Bearer ${token}` };
  const clients: ReplicaClient[] = [];
  return {
    replicas,
    token,
    headers,
    async connect(connectOptions = {}) {
      const client = await connectClient(replicas, connectOptions.token === undefined ? headers : { authorization: `Bearer ${connectOptions.token}` }, { maxSockets: connectOptions.maxSocketsPerReplica ?? 16, stateless: options.stateless === true });
      clients.push(client);
      return client;
    },
    async kill(index) {
      const replica = replicas[index]!;
      const orphans = descendants(replica.pid);
      process.kill(replica.pid, 'SIGKILL');
      await replica.process.exited;
      return { orphans };
    },
    stop() {
      for (const client of clients) void client.close();
      for (const replica of replicas) {
        const under = isRunning(replica.pid) ? descendants(replica.pid) : [];
        replica.process.kill();
        for (const pid of under) killQuietly(pid);
      }
    },
  };
}

/** One replica; fails as soon as it exits (a refused --db), not after a timeout. */
async function startReplica(args: string[], env: Record<string, string>): Promise<Spawned & { url: string }> {
  const spawned = spawnCli(args, env);
  let exited = false;
  void spawned.exited.then(() => (exited = true));
  try {
    const url = await waitFor(
      () => /listening on (http:\/\/\S+)/.exec(spawned.stderr())?.[1] ?? (exited ? 'exited' : undefined),
      30_000,
      () => `a replica to start; stderr:\n${spawned.stderr()}`,
    );
    if (url === 'exited') throw new Error(`a replica exited before it listened; stderr:\n${spawned.stderr()}`);
    return { ...spawned, url };
  } catch (err) {
    spawned.kill();
    throw err;
  }
}

export interface ReplicaCall {
  /** The replica that answered. */
  replica: number;
  result: CallToolResult;
  /** Replicas tried first that could not be reached (retries only). */
  failedOn: number[];
}

/**
 * Calls spread over the replicas, round robin. A replica that cannot be reached (connection
 * refused or reset, an answer cut off) is a ReplicaUnreachable error, and is left out of the
 * rotation from then on; `callWithRetry` then tries the next one. A JSON-RPC error or an
 * isError result is an answer, never retried.
 */
export interface ReplicaClient {
  /** On the next replica in turn, or on `replica`. */
  call(name: string, args?: Record<string, unknown>, replica?: number): Promise<ReplicaCall>;
  /** As call(), but past an unreachable replica, on the next reachable one (at most once each). */
  callWithRetry(name: string, args?: Record<string, unknown>): Promise<ReplicaCall>;
  /** Any JSON-RPC request, on replica `replica`. */
  request<T = Record<string, unknown>>(replica: number, method: string, params?: Record<string, unknown>): Promise<T>;
  /** Opens replica `replica`'s GET stream; counts the notifications by method. */
  listen(replica: number): Promise<{ count(method: string): number }>;
  /** Replicas still in the rotation. */
  reachable(): number[];
  close(): Promise<void>;
}

export class ReplicaUnreachable extends Error {
  constructor(
    readonly replica: number,
    cause: unknown,
  ) {
    super(`replica ${replica} could not be reached: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

async function connectClient(replicas: readonly Replica[], headers: Record<string, string>, options: RawSessionOptions): Promise<ReplicaClient> {
  const sessions: RawSession[] = await Promise.all(replicas.map((r) => openRawSession(r.url, headers, options)));
  const down = new Set<number>();
  let next = 0;

  const pick = (): number => {
    for (let i = 0; i < replicas.length; i++) {
      const candidate = (next + i) % replicas.length;
      if (!down.has(candidate)) {
        next = candidate + 1;
        return candidate;
      }
    }
    throw new Error('no replica is reachable');
  };

  const request = async <T>(replica: number, method: string, params?: Record<string, unknown>): Promise<T> => {
    try {
      return await sessions[replica]!.request<T>(method, params);
    } catch (err) {
      if (isTransportFailure(err)) {
        down.add(replica);
        throw new ReplicaUnreachable(replica, err);
      }
      throw err;
    }
  };

  const call = async (name: string, args: Record<string, unknown> = {}, replica = pick()): Promise<ReplicaCall> => ({
    replica,
    result: await request<CallToolResult>(replica, 'tools/call', { name, arguments: args }),
    failedOn: [],
  });

  return {
    call,
    async callWithRetry(name, args = {}) {
      const failedOn: number[] = [];
      for (;;) {
        try {
          return { ...(await call(name, args)), failedOn };
        } catch (err) {
          if (!(err instanceof ReplicaUnreachable) || failedOn.includes(err.replica)) throw err;
          failedOn.push(err.replica);
        }
      }
    },
    request,
    async listen(replica) {
      const counts = new Map<string, number>();
      await sessions[replica]!.listen((method) => counts.set(method, (counts.get(method) ?? 0) + 1));
      return { count: (method) => counts.get(method) ?? 0 };
    },
    reachable: () => replicas.map((r) => r.index).filter((i) => !down.has(i)),
    async close() {
      await Promise.all(sessions.map((s) => s.close()));
    },
  };
}

/** Errors that say the replica went away, as opposed to an answer it gave. */
function isTransportFailure(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || (err instanceof Error && /socket hang up|aborted/.test(err.message));
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Waits until none of `pids` is running (the sandbox processes of a killed replica). */
export async function allGone(pids: readonly number[], timeoutMs: number): Promise<void> {
  await waitFor(() => pids.every((pid) => !isRunning(pid)), timeoutMs, () => `processes ${pids.filter(isRunning).join(', ')} to exit`);
}
