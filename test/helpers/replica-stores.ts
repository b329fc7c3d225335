/**
 * The stores replicas can share, for suites that run once per store: a SQLite file (several
 * processes on one file, WAL) and a PostgreSQL database on a throwaway cluster. fresh() makes
 * an empty store that lasts until stop() (call it from afterAll, after the replicas are
 * stopped); one cluster serves a whole file (startPostgres is ~1 s).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postgresUnavailable, startPostgres, type TestPostgres } from './postgres.js';
import { tempDir } from './temp-dir.js';

export interface ReplicaStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Why this store cannot be tested here, or null. */
  readonly unavailable: string | null;
  /** A fresh, empty store for one test: the `--db` value. */
  fresh(): Promise<string>;
  /** Stops what the store started (the cluster); call from afterAll. */
  stop(): void;
}

export function sqliteReplicaStore(): ReplicaStore {
  // Not tempDir(): that goes when the test that made it finishes, and the replicas of a suite
  // outlive it (a replica then refuses writes: the file was deleted under it).
  const dirs: string[] = [];
  return {
    kind: 'sqlite',
    unavailable: null,
    fresh() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-replicas-'));
      dirs.push(dir);
      return Promise.resolve(path.join(dir, 'shared.db'));
    },
    stop: () => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })),
  };
}

export function postgresReplicaStore(): ReplicaStore & { server(): TestPostgres | null } {
  let cluster: Promise<TestPostgres> | null = null;
  let started: TestPostgres | null = null;
  let databases = 0;
  return {
    kind: 'postgres',
    unavailable: postgresUnavailable(),
    async fresh() {
      cluster ??= startPostgres().then((s) => (started = s));
      const server = await cluster;
      const name = `replicas_${++databases}`;
      await server.exec('postgres', `CREATE DATABASE ${name}`);
      return server.url(name);
    },
    stop: () => started?.stop(),
    server: () => started,
  };
}

/**
 * A config file for replicas under test: the type checker off, since it loads TypeScript
 * (~0.5 s of CPU, up to 512 MB) in every replica and its advice is not what these tests check.
 */
export function quietReplicaConfig(extra: Record<string, unknown> = {}): string {
  const file = path.join(tempDir('chameleon-replicas-config-'), 'config.json');
  fs.writeFileSync(file, JSON.stringify({ typecheck: { enabled: false }, ...extra }));
  return file;
}
