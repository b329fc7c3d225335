// A throwaway PostgreSQL cluster for benchmarks, like test/helpers/postgres.ts: initdb into a
// temp folder, postgres on a free loopback port, removed by stop(). Under root the server runs
// as the `postgres` system user (initdb refuses root).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function binaries() {
  const root = '/usr/lib/postgresql';
  const dirs = fs.existsSync(root) ? fs.readdirSync(root).sort().reverse().map((v) => path.join(root, v, 'bin')) : [];
  dirs.push(...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean));
  return dirs.find((d) => fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'pg_ctl'))) ?? null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** @param {{ settings?: string[] }} [options] extra `-c name=value` server settings */
export async function startCluster(options = {}) {
  const bin = binaries();
  if (bin === null) throw new Error('PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install -y postgresql');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-bench-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, uid, gid);
    fs.chmodSync(dir, 0o700);
  }
  const run = (command, args) => {
    const file = path.join(bin, command);
    execFileSync(asRoot ? 'runuser' : file, asRoot ? ['-u', 'postgres', '--', file, ...args] : args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  };
  const data = path.join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'chameleon', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const settings = (options.settings ?? []).map((s) => `-c ${s}`).join(' ');
  run('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 ${settings}`, 'start']);
  return {
    url: (database = 'postgres') => `postgres://chameleon@127.0.0.1:${port}/${database}`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
