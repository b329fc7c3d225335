import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../unit/cli/program.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-db-url-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  return spawnSync(process.execPath, ['--no-node-snapshot', path.join(ROOT, 'dist/cli.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, input: '' });
}

/** A loopback port nobody listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('--db with a URL', () => {
  it.each([
    ['tools list', ['tools', 'list', '--db', 'mysql://root@localhost/x']],
    ['serve', ['serve', '--db', 'mongodb://root@localhost/x']],
  ])('%s refuses a URL of another database, naming the two it takes, and creates nothing', (_name, args) => {
    const run = cli(args);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/--db \w+:\/\/… is a URL of a database Chameleon cannot store in: pass a SQLite file path .* or a PostgreSQL URL/);
    expect(run.stdout).toBe('');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it.each([['serve'], ['logs']])('%s takes a postgres:// URL as a database server, says when nothing listens there, and creates no file', async (command) => {
    const port = await closedPort();
    const run = cli([command, '--db', `postgresql://agent:hunter2@127.0.0.1:${String(port)}/chameleon`]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`Cannot connect to PostgreSQL at postgresql://agent@127.0.0.1:${String(port)}/chameleon: the connection was refused`);
    expect(run.stderr).not.toContain('hunter2');
    expect(run.stdout).toBe('');
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
