/**
 * A throwaway PostgreSQL cluster for the tests that need a real server (issue 16): initdb into
 * a temporary folder, postgres on a free loopback port (and a socket in that folder), stopped
 * and removed by stop(). initdb refuses to run as root, so under root (CI runs `npm test` as
 * root) the server runs as the `postgres` system user, which owns the folder.
 *
 * startPostgres() resolves to null, with the reason, when the server's binaries are absent:
 * the tests that need it are skipped then and say why (.ci/run installs them when it can).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  port: number;
  /**
   * The superuser `chameleon`'s password over TCP when the cluster was started with
   * `{ passwords: true }`; null when TCP connections are trusted (no password needed).
   */
  superuserPassword: string | null;
  /**
   * A URL for `role` (default: the superuser `chameleon`, with its password when the cluster asks
   * for one) on `database`.
   */
  url(database: string, role?: { name: string; password: string }): string;
  /** Runs SQL as the superuser on `database`. */
  exec(database: string, sql: string): Promise<void>;
  /** Stops the server as a crash would (`pg_ctl stop -m immediate`), keeping its data. */
  halt(): void;
  /** Starts a halted server again on the same port, with its data. */
  resume(): void;
  stop(): void;
}

/** Where initdb and pg_ctl are, or null. */
export function postgresBinaries(): string | null {
  const candidates = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort().reverse().map((v) => path.join('/usr/lib/postgresql', v, 'bin')) : [];
  for (const dir of candidates) if (fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) if (dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  return null;
}

/** Why the PostgreSQL tests cannot run here, or null when they can. */
export function postgresUnavailable(): string | null {
  if (postgresBinaries() === null) return 'PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install -y postgresql';
  if (process.getuid?.() === 0 && postgresUid() === null) return 'running as root, and there is no postgres system user to run the server as';
  return null;
}

function postgresUid(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

/** A loopback port that was free a moment ago (taken and released), where nothing listens. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  /**
   * TCP connections authenticate with a password (scram-sha-256), as a real server's do: what a
   * wrong or missing password does can then be seen. The socket stays trusted. Default: trust.
   */
  passwords?: boolean;
}

const SUPERUSER_PASSWORD = 'chameleon-superuser-pw';

export async function startPostgres(options: StartOptions = {}): Promise<TestPostgres> {
  const bin = postgresBinaries();
  if (bin === null) throw new Error(postgresUnavailable() ?? 'no PostgreSQL');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-pg-'));
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? postgresUid() : null;
  if (owner) {
    fs.chownSync(dir, owner.uid, owner.gid);
    fs.chmodSync(dir, 0o700);
  }
  const run = (command: string, args: string[]) => {
    const file = path.join(bin, command);
    execFileSync(owner ? 'runuser' : file, owner ? ['-u', 'postgres', '--', file, ...args] : args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  };
  const data = path.join(dir, 'data');
  let auth = ['-A', 'trust'];
  if (options.passwords === true) {
    const pwfile = path.join(dir, 'superuser.pw');
    fs.writeFileSync(pwfile, `${SUPERUSER_PASSWORD}\n`, { mode: 0o600 });
    if (owner) fs.chownSync(pwfile, owner.uid, owner.gid);
    auth = ['--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`];
  }
  // fsync off: a test cluster need not survive a power cut, and its writes are many.
  run('initdb', ['-D', data, ...auth, '-U', 'chameleon', '--no-sync', '--no-instructions']);
  let port = 0;
  let halted = false;
  const start = () => run('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`, 'start']);
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      start();
      break;
    } catch (error) {
      // Another process took the port between the probe and the start.
      if (attempt >= 2) throw new Error(`PostgreSQL did not start: ${fs.existsSync(path.join(dir, 'server.log')) ? fs.readFileSync(path.join(dir, 'server.log'), 'utf8').slice(-2000) : String(error)}`);
    }
  }
  const superuserPassword = options.passwords === true ? SUPERUSER_PASSWORD : null;
  const superuser = superuserPassword === null ? 'chameleon' : `chameleon:${superuserPassword}`;
  const url = (database: string, role?: { name: string; password: string }) =>
    `postgres://${role ? `${encodeURIComponent(role.name)}:${encodeURIComponent(role.password)}` : superuser}@127.0.0.1:${port}/${database}`;
  return {
    port,
    superuserPassword,
    url,
    async exec(database, sql) {
      const client = new pg.Client({ connectionString: url(database) });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    halt() {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      halted = true;
    },
    resume() {
      start();
      halted = false;
    },
    stop() {
      try {
        if (!halted) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The shop database of the SQLite sample (sample-sqlite.ts), on `pgServer`, with a role
 * `reader` that may only read it (what docs/writing-tools.md tells hosts to make).
 */
export async function samplePostgres(server: TestPostgres): Promise<{ reader: { name: string; password: string } }> {
  const reader = { name: 'reader', password: 'reader-pw' };
  await server.exec('postgres', 'CREATE DATABASE shop');
  await server.exec(
    'shop',
    `
    CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, city text NOT NULL);
    CREATE TABLE orders (id serial PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers (id), total numeric(10, 2) NOT NULL, placed date NOT NULL, ref bigint);
    INSERT INTO customers VALUES (1, 'Ada', 'London'), (2, 'Grace', 'New York'), (3, 'Linus', 'Helsinki');
    INSERT INTO orders (customer_id, total, placed, ref)
      SELECT (i % 3) + 1, i * 2.5, date '2026-11-01' + (i % 28), 9007199254740993 + i FROM generate_series(1, 40) i;
    CREATE ROLE ${reader.name} LOGIN PASSWORD '${reader.password}';
    GRANT CONNECT ON DATABASE shop TO ${reader.name};
    GRANT USAGE ON SCHEMA public TO ${reader.name};
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${reader.name};
    `,
  );
  return { reader };
}
