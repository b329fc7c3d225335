import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { BIN, ROOT } from './helpers/cli.js';

describe('chameleon serve --config', () => {
  it('refuses a config file with a misspelt key or an out-of-range value, naming each path', () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ limits: { defaultTimeoutMs: 5 }, sandbox: { procesess: 2 } }));
    const run = spawnSync(process.execPath, [BIN, 'serve', '--db', path.join(dir, 'x.db'), '--config', file], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/limits\.defaultTimeoutMs: Too small/);
    expect(run.stderr).toMatch(/sandbox: Unrecognized key: "procesess"/);
    expect(run.stdout).toBe('');
  });

  it('applies the limits of a config file to new tools', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'good.json');
    fs.writeFileSync(file, JSON.stringify({ limits: { defaultTimeoutMs: 750, defaultMemoryMb: 24 }, sandbox: { processes: 1 } }));
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'serve', '--db', path.join(dir, 'c.db'), '--config', file], cwd: ROOT, stderr: 'pipe' });
    const client = new Client({ name: 'config-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const created = await client.callTool({ name: 'create_tool', arguments: { name: 'limited', description: 'd', code: 'export default () => 1;' } });
      expect(created.isError).toBeFalsy();
      expect(created.structuredContent).toMatchObject({ timeout_ms: 750, memory_mb: 24 });
    } finally {
      await client.close();
    }
  });
});
