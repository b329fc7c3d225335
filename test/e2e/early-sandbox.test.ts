import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { descendants, spawnCli, waitFor } from './helpers/cli.js';

/** The sandbox processes among `pid`'s descendants (esbuild's service is one too, once started). */
function sandboxProcesses(pid: number): number[] {
  return descendants(pid).filter((child) => {
    try {
      return fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('sandbox-host/worker/main.js');
    } catch {
      return false;
    }
  });
}

// bin/chameleon.js forks the first sandbox process of `serve` before it loads the CLI bundle
// (src/sandbox-host/early-start.ts). Should the pool fail to find that process, it would start
// its own and leave the launcher's idle beside it: three sandbox processes instead of two.
it('serve adopts the sandbox process the launcher forked, and starts no extra one', async () => {
  const server = spawnCli(['serve', '--db', path.join(tempDir(), 'early.db'), '--log-level', 'debug']);
  try {
    const send = (message: object) => server.child.stdin!.write(`${JSON.stringify(message)}\n`);
    let stdout = '';
    server.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    await waitFor(() => stdout.includes('"id":1'), 20_000, () => 'the initialize result');
    expect(server.stderr()).toContain('adopted the sandbox process started early');

    // The pool's second process starts ~0.5 s after the first is ready; give a stray one as long.
    const pid = server.child.pid!;
    await waitFor(() => sandboxProcesses(pid).length >= 2, 20_000, () => 'both sandbox processes');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sandboxProcesses(pid)).toHaveLength(2);
  } finally {
    server.kill();
  }
});
