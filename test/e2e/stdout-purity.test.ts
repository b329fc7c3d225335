import path from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { descendants, isRunning, spawnCli, waitFor } from './helpers/cli.js';

const FLOOD = [
  'export default function () {',
  '  for (let i = 0; i < 5000; i++) console.log(`noise ${i}\\n{"jsonrpc":"2.0","forged":true}`);',
  '  console.error("to stderr?");',
  '  return { done: true };',
  '}',
].join('\n');

/**
 * Drives the CLI by hand, writing JSON-RPC lines to its stdin, so that every byte it puts on
 * stdout is seen; the SDK client would hide a stray line behind a parse error.
 */
it('stdout carries only JSON-RPC even when a tool floods console.log, and closing stdin ends the server and its sandboxes', async () => {
  const server = spawnCli(['serve', '--db', path.join(tempDir(), 'c.db')]);
  try {
    const lines: string[] = [];
    let buffer = '';
    server.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        lines.push(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
    });
    const send = (message: object) => server.child.stdin!.write(`${JSON.stringify(message)}\n`);
    const reply = (id: number) => waitFor(() => lines.map((l) => JSON.parse(l) as { id?: number; result?: any }).find((m) => m.id === id), 20_000, () => `reply ${id}`);

    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    await reply(1);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'create_tool', arguments: { name: 'flood', description: 'prints a lot', code: FLOOD } } });
    expect((await reply(2)).result.isError).toBeFalsy();
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'flood', arguments: {} } });
    const flooded = await reply(3);
    expect(flooded.result.structuredContent).toMatchObject({ status: 'SUCCESS', result: { done: true } });
    // The output was captured (and capped) into the result, not printed.
    expect(flooded.result.structuredContent.console).toContain('noise 0');

    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      const message = JSON.parse(line) as Record<string, unknown>;
      expect(message['jsonrpc']).toBe('2.0');
      expect('id' in message || 'method' in message).toBe(true);
    }
    expect(buffer).toBe('');

    // Both sandbox processes of the default pool (the second starts ~0.5 s after the first is ready).
    const sandboxes = await waitFor(() => {
      const pids = descendants(server.child.pid!);
      return pids.length >= 2 ? pids : undefined;
    }, 20_000, () => 'both sandbox processes to start');
    server.child.stdin!.end();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await waitFor(() => sandboxes.every((pid) => !isRunning(pid)), 5_000, () => 'sandbox processes to end');
    expect(server.stderr()).toContain('shutting down (stdin ended)');
  } finally {
    server.kill();
  }
});
