import fs from 'node:fs';
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdWriteLock } from '../helpers/lock-holder.js';
import { connectHttp, startHttpServer, structured, text, type Connected, type Spawned } from './helpers/cli.js';
import { suiteTempDir } from './helpers/temp.js';

/**
 * Issue 12, item 5, end to end: the built server over HTTP with two sessions, and a separate
 * process holding the database's write lock. Before the fix, a call in one session slept on the
 * event loop waiting for the lock (SQLite's busy timeout), and the other session's read-only
 * list_tools waited with it; past 5 s the call failed with an incident id and no reason.
 */

/** Tracks a request without awaiting it, so a test can ask whether it has been answered yet. */
function track(request: Promise<CallToolResult>): { answered(): boolean; result: Promise<CallToolResult> } {
  let answered = false;
  const result = request.finally(() => (answered = true));
  // Looked at later; a failure must not count as unhandled meanwhile.
  result.catch(() => undefined);
  return { answered: () => answered, result };
}

const ECHO = { name: 'echo', description: 'Echoes its arguments.', code: 'export default (a: unknown) => a;' };

describe('serve --http while another process holds the database write lock', () => {
  const temp = suiteTempDir();
  const db = path.join(temp.dir, 'c.db');
  let server: Spawned & { url: string };
  let agent: Connected;
  let other: Connected;

  beforeAll(async () => {
    server = await startHttpServer({ db });
    agent = await connectHttp(server.url);
    other = await connectHttp(server.url);
    expect(structured(await agent.call('create_tool', ECHO))).toMatchObject({ saved: true });
    expect(structured(await agent.call('echo', { n: 0 }))).toMatchObject({ status: 'SUCCESS' });
  });
  afterAll(async () => {
    await Promise.allSettled([agent?.close(), other?.close()]);
    server?.kill();
    temp.remove();
  });

  it("serves another session's reads while a call waits for the lock, and both sessions' calls succeed once it is released", async () => {
    const lock = await holdWriteLock(db);
    const waiting = track(agent.call('echo', { n: 1 }));
    const othersCall = track(other.call('echo', { n: 2 }));
    await new Promise((r) => setTimeout(r, 300));

    // The other session's reads are answered while both calls wait for their log rows...
    const listed = await other.call('list_tools');
    expect(listed.isError).toBeFalsy();
    expect(structured(listed)).toMatchObject({ count: 1 });
    expect((await other.client.listTools()).tools.map((t) => t.name)).toContain('echo');
    expect(structured(await other.call('get_tool', { name: 'echo' }))).toMatchObject({ tool: { name: 'echo' } });
    // ...and before the fix, they were answered only after the call had failed.
    expect(waiting.answered()).toBe(false);
    expect(othersCall.answered()).toBe(false);

    await lock.release();
    const result = structured<{ status: string; execution_id: string; result: unknown }>(await waiting.result);
    expect(result).toMatchObject({ status: 'SUCCESS', result: { n: 1 } });
    expect(structured(await othersCall.result)).toMatchObject({ status: 'SUCCESS', result: { n: 2 } });
    // The log row was committed before the reply: the other session finds it.
    expect(structured(await other.call('get_execution', { id: result.execution_id }))).toMatchObject({ status: 'SUCCESS', tool: 'echo' });
  });
});

describe('serve --http with store.lockWaitMs, past which a waiting write gives up', () => {
  const temp = suiteTempDir();
  const db = path.join(temp.dir, 'c.db');
  let server: Spawned & { url: string };
  let agent: Connected;

  beforeAll(async () => {
    const config = path.join(temp.dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ store: { lockWaitMs: 1_000 } }));
    server = await startHttpServer({ db, args: ['--config', config] });
    agent = await connectHttp(server.url);
    expect(structured(await agent.call('create_tool', ECHO))).toMatchObject({ saved: true });
  });
  afterAll(async () => {
    await agent?.close();
    server?.kill();
    temp.remove();
  });

  it('answers STORE_FAILURE saying another process holds the database lock, withholds the result, then recovers', async () => {
    const lock = await holdWriteLock(db);
    const refused = await agent.call('echo', { n: 1 });
    expect(refused.isError).toBe(true);
    expect(structured(refused)).toMatchObject({ error: { code: 'STORE_FAILURE', incident_id: expect.stringMatching(/^inc_/) } });
    expect(text(refused)).toMatch(/result is withheld/);
    expect(text(refused)).toMatch(/another process holds a lock on the database/i);
    expect(text(refused)).toMatch(/retry in a few seconds/);

    await lock.release();
    expect(structured(await agent.call('echo', { n: 2 }))).toMatchObject({ status: 'SUCCESS', result: { n: 2 } });
  });
});
