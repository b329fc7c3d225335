import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { BIN, ROOT, startHttpServer } from './helpers/cli.js';

const run = promisify(execFile);
const INSPECTOR_BUILD = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build');

/**
 * The MCP Inspector CLI: a client nobody here wrote. Its build/index.js reads ../package.json
 * relative to the working directory, so it runs from its own build/ folder, target first.
 */
async function inspect(target: string[], args: string[], env: Record<string, string> = {}): Promise<any> {
  const { stdout } = await run(process.execPath, ['index.js', ...target, ...args], {
    cwd: INSPECTOR_BUILD,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    timeout: 30_000,
  });
  return JSON.parse(stdout);
}

it('the MCP Inspector CLI lists the tools (stdio), creates a tool and calls it (HTTP)', async () => {
  const db = path.join(tempDir(), 'c.db');
  // Over stdio the inspector spawns the server itself. The database goes through the
  // environment, so that no server option is mistaken for one of the inspector's own.
  const listing = inspect([process.execPath, BIN, 'serve'], ['--method', 'tools/list'], { CHAMELEON_DB: db, CHAMELEON_LOG_LEVEL: 'warn' });
  const server = await startHttpServer({ db: path.join(tempDir(), 'http.db') });
  try {
    expect((await listing).tools.map((t: { name: string }) => t.name)).toContain('create_tool');

    const created = await inspect([server.url], [
      '--method', 'tools/call',
      '--tool-name', 'create_tool',
      '--tool-arg', 'name=adder',
      'description=Adds two numbers.',
      'code=export default function ({ a, b }: { a: number; b: number }) { return { sum: a + b }; }',
      'input_schema={"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}',
    ]);
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ saved: true, name: 'adder', version: 1 });

    const called = await inspect([server.url], ['--method', 'tools/call', '--tool-name', 'adder', '--tool-arg', 'a=2', 'b=3']);
    expect(called.isError).toBeFalsy();
    expect(JSON.parse(called.content[0].text)).toEqual({ sum: 5 });
  } finally {
    server.kill();
  }
});
