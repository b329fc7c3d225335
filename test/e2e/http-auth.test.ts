import path from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { connectHttp, spawnCli, startHttpServer } from './helpers/cli.js';
import { rawPost } from './helpers/raw-http.js';

it('refuses to serve HTTP beyond loopback without a token', async () => {
  const server = spawnCli(['serve', '--db', path.join(tempDir(), 'c.db'), '--http', '0.0.0.0:0']);
  try {
    const { code } = await server.exited;
    expect(code).toBe(2);
    expect(server.stderr()).toMatch(/without a token.*--token or CHAMELEON_TOKEN/);
  } finally {
    server.kill();
  }
});

it('beyond loopback, requires the bearer token on every request', async () => {
  const token = 'e2e-secret-token';
  const server = await startHttpServer({ db: path.join(tempDir(), 'c.db'), address: '0.0.0.0:0', env: { CHAMELEON_TOKEN: token } });
  try {
    const url = server.url.replace('0.0.0.0', '127.0.0.1');
    const missing = await rawPost(url, {});
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await rawPost(url, { authorization: 'Bearer wrong-token' })).status).toBe(401);
    expect((await rawPost(url, { authorization: `Bearer ${token}` })).status).toBe(200);

    const client = await connectHttp(url, { Authorization: `Bearer ${token}` });
    try {
      expect((await client.client.listTools()).tools.map((t) => t.name)).toContain('create_tool');
    } finally {
      await client.close();
    }
    // A foreign Origin is refused even with the right token.
    expect((await rawPost(url, { authorization: `Bearer ${token}`, origin: 'http://evil.example' })).status).toBe(403);
  } finally {
    server.kill();
  }
});
