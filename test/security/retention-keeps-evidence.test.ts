/**
 * Attack (integrity): use the log's retention (src/store/retention.ts) to erase evidence. The
 * server prunes by policy only (here: the newest 30 rows of each persona), but a tool decides
 * how many rows are written: one agent call of a tool that fans out through ctx.tools writes
 * 100 rows. Can a tool thereby push another persona's rows out of the log, or its own last
 * failure (what get_last_error answers with)?
 * What must hold: the flood prunes its own persona's old rows (the control: retention ran and
 * deleted), the other persona's rows on the same database are all still there, and the failing
 * tool's newest failure is still what get_last_error shows.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { startPeer, type Peer } from './helpers/state-and-integrity.js';

const KEEP = 30;
let server: SecurityServer;
let other: Peer | undefined;
beforeAll(async () => {
  server = await startSecurityServer({ config: { retention: { maxRowsPerPersona: KEEP, intervalMs: 1_000 } } });
});
afterAll(async () => {
  await other?.close();
  await server.close();
});

function rowsOf(persona: string): number {
  const db = new Database(server.dbPath, { readonly: true });
  try {
    return db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM executions WHERE persona = ?').get(persona)!.n;
  } finally {
    db.close();
  }
}

it("a tool's flood of rows prunes only its own persona's old rows, never another persona's or its last failure", async () => {
  other = await startPeer({ dbPath: server.dbPath, persona: 'other', canary: server.canary });
  expect((await other.createTool('witness', 'export default (a: { n: number }) => ({ n: a.n });')).isError).toBeFalsy();
  for (let n = 0; n < 5; n++) expect((await other.call('witness', { n })).structuredContent).toMatchObject({ status: 'SUCCESS' });
  const otherRows = rowsOf('other');
  expect(otherRows).toBe(5);

  // The evidence: one failure, then many successes written after it.
  expect((await server.createTool('evidence', 'export default (a: { fail: boolean }) => {\n  if (a.fail) throw new Error("the evidence");\n  return { ok: true };\n};\n')).isError).toBeFalsy();
  expect((await server.call('evidence', { fail: true })).structuredContent).toMatchObject({ status: 'FAILURE' });
  expect((await server.createTool('leaf', 'export default () => ({ leaf: true });')).isError).toBeFalsy();
  const fan = 'export default async (_a: unknown, ctx: any) => {\n  let done = 0;\n  for (let i = 0; i < 99; i++) { await ctx.tools.leaf({}); done++; }\n  return { done };\n};\n';
  expect((await server.createTool('fan', fan, { capabilities: { tools: ['leaf'] }, timeout_ms: 20_000 })).isError).toBeFalsy();
  for (let i = 0; i < 3; i++) expect((await server.call('fan', {})).structuredContent, 'fan').toMatchObject({ status: 'SUCCESS', result: { done: 99 } });
  // Each fan call is 100 rows (itself and 99 leaves); pruning may already be under way.
  const flooded = 3 * 100;

  // The server prunes on its own timer (every second here): wait for it to bring `default` down.
  for (const deadline = Date.now() + 20_000; rowsOf('default') > KEEP + 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 200));
  const pruned = rowsOf('default');
  expect(pruned, `default's rows after pruning (${flooded} written by the fan-out)`).toBeLessThanOrEqual(KEEP + 2);

  // The other persona lost nothing, and the failure is still the evidence.
  expect(rowsOf('other')).toBe(otherRows);
  const last = await server.lastError('evidence');
  expect(JSON.stringify(last), textOf(await server.call('get_last_error', { tool_name: 'evidence' }))).toContain('the evidence');
  expect((await other.call('list_executions', { tool_name: 'witness' })).structuredContent).toMatchObject({ executions: expect.arrayContaining([expect.objectContaining({ status: 'SUCCESS' })]) as unknown });

  await expectContained(server, { note: `${flooded} rows written by 3 fan-out calls of persona default, pruned to ${pruned} by maxRowsPerPersona ${KEEP}; persona other kept ${rowsOf('other')}/${otherRows} rows; the tool's last failure kept` });
}, 90_000);
