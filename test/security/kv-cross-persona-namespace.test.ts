/**
 * Attack (capability): reach another persona's kv through a second server on the same
 * database: tools of the same names, the persona-shared namespace (`capabilities.kv:
 * "persona"`), and list prefixes. What must hold: every entry is keyed by persona first, and
 * the persona is the server's (its --persona), never the tool's choice: the other persona's
 * tools read nothing of the first's and write only under their own persona.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, kvRows } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { secretToken, startPeer, type Peer } from './helpers/state-and-integrity.js';

let server: SecurityServer;
let other: Peer | undefined;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(async () => {
  await other?.close();
  await server.close();
});

const WRITER = `export default async (a: { token: string }, ctx: any) => { await ctx.kv.set('secret', a.token); return 'stored'; };`;
const READER = `
export default async (_a: unknown, ctx: any) => {
  const got = await ctx.kv.get('secret');
  const listed = (await ctx.kv.list({ limit: 1000 })).keys;
  await ctx.kv.set('secret', 'written by the other persona');
  return { got: got ?? null, listed };
};`;

it("another persona's tools of the same names read nothing of a persona's kv", async () => {
  const token = secretToken('KV');
  await createOk(server, 'kv_own', WRITER);
  await createOk(server, 'kv_shared', WRITER, { capabilities: { kv: 'persona' } });
  await callOk(server, 'kv_own', { token });
  await callOk(server, 'kv_shared', { token });
  await expectContained(server, { tool: 'kv_shared', note: 'a second persona on the same database, tools of the same names (own and shared namespace): 0 reads, its writes under its own persona' });

  other = await startPeer({ dbPath: server.dbPath, persona: 'other', canary: server.canary });
  for (const [name, options] of [['kv_own', {}], ['kv_shared', { capabilities: { kv: 'persona' as const } }]] as const) {
    const created = await other.createTool(name, READER, options);
    expect(created.isError, textOf(created)).toBeFalsy();
    const out = await other.call(name, {});
    expect(out.structuredContent, textOf(out)).toMatchObject({ status: 'SUCCESS', result: { got: null, listed: [] } });
  }
  expect(other.transcript()).not.toContain(token);

  const rows = kvRows(server.dbPath).map((r) => [r.persona, r.namespace, r.key, r.value_json.includes(token) ? 'token' : r.value_json]);
  expect(rows).toEqual([
    ['default', 'persona', 'secret', 'token'],
    ['default', 'tool:kv_own', 'secret', 'token'],
    ['other', 'persona', 'secret', '"written by the other persona"'],
    ['other', 'tool:kv_own', 'secret', '"written by the other persona"'],
  ]);
});
