/**
 * `--token` puts the HTTP bearer token in argv, where every local user reads it
 * (/proc/PID/cmdline). The server warns on stderr when the token came from there, and takes it
 * silently from CHAMELEON_TOKEN or from --token-file (issue 12).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { spawnCli, startHttpServer } from './helpers/cli.js';
import { rawPost } from './helpers/raw-http.js';

const TOKEN = 'e2e-token-sources-secret';
const WARNING = /warn: --token on the command line is visible to every local user.*CHAMELEON_TOKEN or use --token-file/;

async function expectTokenRequired(url: string): Promise<void> {
  expect((await rawPost(url, {})).status).toBe(401);
  expect((await rawPost(url, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
}

it('serve --http warns on stderr when the token is given with --token', async () => {
  const server = await startHttpServer({ db: path.join(tempDir(), 'c.db'), args: ['--token', TOKEN] });
  try {
    await expectTokenRequired(server.url);
    expect(server.stderr()).toMatch(WARNING);
    expect(server.stderr()).not.toContain(TOKEN);
  } finally {
    server.kill();
  }
});

it('serve --http takes the token from CHAMELEON_TOKEN without a warning', async () => {
  const server = await startHttpServer({ db: path.join(tempDir(), 'c.db'), env: { CHAMELEON_TOKEN: TOKEN } });
  try {
    await expectTokenRequired(server.url);
    expect(server.stderr()).not.toMatch(/--token on the command line/);
  } finally {
    server.kill();
  }
});

it('serve --http takes the token from --token-file, trailing newline ignored, without a warning', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'token');
  fs.writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
  const server = await startHttpServer({ db: path.join(dir, 'c.db'), args: ['--token-file', file] });
  try {
    await expectTokenRequired(server.url);
    expect(server.stderr()).not.toMatch(/--token on the command line/);
  } finally {
    server.kill();
  }
});

it('serve refuses a token file that cannot be read, and a token given two ways', async () => {
  const dir = tempDir();
  const missing = spawnCli(['serve', '--db', path.join(dir, 'c.db'), '--http', '127.0.0.1:0', '--token-file', path.join(dir, 'nope')]);
  const both = spawnCli(['serve', '--db', path.join(dir, 'd.db'), '--http', '127.0.0.1:0', '--token-file', path.join(dir, 'nope')], { CHAMELEON_TOKEN: TOKEN });
  try {
    expect((await missing.exited).code).toBe(2);
    expect(missing.stderr()).toMatch(/Cannot read the token file/);
    expect((await both.exited).code).toBe(2);
    expect(both.stderr()).toMatch(/one way/);
  } finally {
    missing.kill();
    both.kill();
  }
});
