import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../unit/cli/program.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-db-url-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  return spawnSync(process.execPath, ['--no-node-snapshot', path.join(ROOT, 'dist/cli.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, input: '' });
}

describe('--db with a URL', () => {
  it.each([
    ['serve', ['serve', '--db', 'postgres://agent@127.0.0.1:5432/chameleon']],
    ['logs', ['logs', '--db', 'postgresql://agent@db.internal/chameleon']],
    ['tools list', ['tools', 'list', '--db', 'mysql://root@localhost/x']],
  ])('%s refuses it, saying the store is a file, and creates nothing', (_name, args) => {
    const run = cli(args);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/--db \w+:\/\/… is a URL, and the store is a SQLite file: pass a file path/);
    expect(run.stdout).toBe('');
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
