import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, structured, text, type Connected } from './helpers/cli.js';
import { FIXED_MEAN, meanTool } from './helpers/fixtures.js';
import { suiteTempDir } from './helpers/temp.js';

// Two servers on one database file, one persona each, as two MCP client configs would run them.
describe('personas sharing one database', () => {
  const temp = suiteTempDir();
  let alice: Connected;
  let bob: Connected;
  let aliceExecution = '';

  beforeAll(async () => {
    const db = path.join(temp.dir, 'shared.db');
    [alice, bob] = await Promise.all([connectStdio({ db, persona: 'alice' }), connectStdio({ db, persona: 'bob' })]);
    await alice.call('create_tool', meanTool('secret_tool'));
    aliceExecution = structured<{ execution_id: string }>(await alice.call('secret_tool', { values: [] })).execution_id;
  });
  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    temp.remove();
  });

  it("a persona does not list another persona's tools", async () => {
    expect((await bob.client.listTools()).tools.map((t) => t.name)).not.toContain('secret_tool');
    expect(structured(await bob.call('list_tools'))).toMatchObject({ count: 0 });
  });

  it("a persona cannot run, read, patch, roll back or delete another persona's tool", async () => {
    const attempts = [
      await bob.call('secret_tool', { values: [1] }),
      await bob.call('run_tool', { name: 'secret_tool', arguments: { values: [1] } }),
      await bob.call('get_tool', { name: 'secret_tool' }),
      await bob.call('update_tool', { name: 'secret_tool', code: FIXED_MEAN }),
      await bob.call('rollback_tool', { name: 'secret_tool', version: 1 }),
      await bob.call('delete_tool', { name: 'secret_tool' }),
    ];
    for (const attempt of attempts) {
      expect(attempt.isError).toBe(true);
      expect(structured(attempt)).toMatchObject({ error: { code: 'TOOL_NOT_FOUND' } });
    }
    // ...and alice's tool is untouched.
    expect(structured(await alice.call('get_tool', { name: 'secret_tool' }))).toMatchObject({ version: 1 });
  });

  it("a persona cannot read another persona's log", async () => {
    expect(structured(await bob.call('get_last_error'))).toMatchObject({ status: 'NO_ERROR' });
    expect(structured(await bob.call('list_executions'))).toMatchObject({ count: 0 });
    const stolen = await bob.call('get_execution', { id: aliceExecution });
    expect(stolen.isError).toBe(true);
    expect(text(stolen)).not.toContain('secret_tool');
  });

  it('two personas can own tools of the same name independently', async () => {
    const own = await bob.call('create_tool', { name: 'secret_tool', description: "bob's", code: 'export default () => ({ owner: "bob" })' });
    expect(structured(own)).toMatchObject({ saved: true, version: 1, persona: 'bob' });
    expect(structured(await bob.call('secret_tool'))).toMatchObject({ result: { owner: 'bob' } });
    expect((await alice.call('secret_tool', { values: [6] })).structuredContent).toMatchObject({ result: { mean: 6 } });
  });
});
