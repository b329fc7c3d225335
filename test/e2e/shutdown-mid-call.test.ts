/**
 * SIGTERM while a call runs longer than the shutdown's drain period (issue 12): the transports
 * were closed before the engine failed the call, so the client got no answer at all. The call
 * must be answered, as a failure that says the server shut down and to retry, over HTTP and
 * stdio, with its log row committed, before the server exits.
 */
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { connectHttp, connectStdio, startHttpServer, structured, text, type Connected, type Spawned } from './helpers/cli.js';
import { suiteTempDir } from './helpers/temp.js';

// Settles never: only the shutdown ends it (its own limit, 30 s, is far past the 3 s drain).
const STUCK = { name: 'stuck', description: 'never answers', code: 'export default () => new Promise(() => {});', timeout_ms: 30_000 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function interruptedCall(connected: Connected, terminate: () => void): Promise<CallToolResult> {
  expect(structured(await connected.call('create_tool', STUCK))).toMatchObject({ saved: true });
  const running = connected.call('stuck');
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  terminate();
  const out = await running;
  // The 3 s drain, then the answer: well before the 5 s shutdown deadline.
  expect(performance.now() - t0).toBeLessThan(10_000);
  return out;
}

function expectShutdownFailure(out: CallToolResult, db: string): void {
  expect(out.isError).toBe(true);
  const body = structured<{ status: string; execution_id: string; error: { kind: string; message: string } }>(out);
  expect(body).toMatchObject({ status: 'FAILURE', error: { kind: 'internal', message: expect.stringMatching(/shut down while this call ran.*call it again/i) } });
  expect(text(out)).not.toMatch(/fix the tool/);
  const store = openStore(db, { backgroundCheckpoints: false });
  try {
    expect(store.executions.get('default', body.execution_id)).toMatchObject({ status: 'FAILURE', errorKind: 'internal' });
  } finally {
    store.close();
  }
}

describe('SIGTERM with a call longer than the drain', () => {
  it('over HTTP, the call is answered with a shutdown failure and its log row is committed', async () => {
    const temp = suiteTempDir();
    cleanups.push(() => temp.remove());
    const db = path.join(temp.dir, 'http.db');
    const server: Spawned & { url: string } = await startHttpServer({ db });
    cleanups.push(() => server.kill());
    const agent = await connectHttp(server.url);
    cleanups.push(() => agent.close().catch(() => undefined));
    const out = await interruptedCall(agent, () => server.child.kill('SIGTERM'));
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expectShutdownFailure(out, db);
  }, 60_000);

  it('over stdio, the same', async () => {
    const temp = suiteTempDir();
    cleanups.push(() => temp.remove());
    const db = path.join(temp.dir, 'stdio.db');
    const agent = await connectStdio({ db });
    cleanups.push(() => agent.close().catch(() => undefined));
    const out = await interruptedCall(agent, () => process.kill(agent.pid!, 'SIGTERM'));
    expectShutdownFailure(out, db);
    expect(agent.stderr()).toContain('shutting down (SIGTERM)');
  }, 60_000);
});
