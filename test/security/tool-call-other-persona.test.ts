/**
 * Attack: a tool reaching another persona's tools through ctx.tools (issue 15). Two servers
 * share one database, one per persona. Persona `other` declares the victim's tool name, then
 * `"*"`, and tries every spelling that could name a tool elsewhere: a path, a persona prefix,
 * a NUL, a lookalike. A callee is looked up among the caller's own persona's tools only, and a
 * name that is not a tool name is refused before any lookup: nothing of the victim persona
 * runs, and nothing of it reaches the attacker.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, recordAfterChecks, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { createOk, runOk, secretToken, startPeer, type Peer } from './helpers/state-and-integrity.js';
import { createCaller } from './helpers/tool-calls.js';

let server: SecurityServer;
let other: Peer | undefined;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(async () => {
  await other?.close();
  await server.close();
});

const NAMES = ['victim', 'default/victim', '../victim', 'default.victim', 'victim\u0000', 'vіctim', 'VICTIM', ' victim', 'victim '];

const PROBE = `
export default async (args: { names: string[] }, ctx: any) => {
  const out: any[] = [];
  for (const name of args.names) {
    try {
      out.push({ name, result: await ctx.tools.call(name, {}) });
    } catch (e: any) {
      out.push({ name, error: e.name, message: String(e.message).slice(0, 300) });
    }
  }
  return out;
};
`;

it("a tool of another persona cannot reach the victim persona's tools by any name", async () => {
  const secret = secretToken();
  await createOk(server, 'victim', `export default () => ({ secret: ${JSON.stringify(secret)} });`);
  expect(await runOk(server, 'victim')).toEqual({ secret });

  other = await startPeer({ dbPath: server.dbPath, persona: 'other', canary: server.canary });
  await createCaller(other, 'declares_victim', PROBE, ['victim']);
  await createCaller(other, 'declares_any', PROBE, ['*']);
  const outcomes: Array<{ name: string; error?: string; result?: unknown }> = [];
  for (const tool of ['declares_victim', 'declares_any']) outcomes.push(...(await runOk<Array<{ name: string; error?: string; result?: unknown }>>(other, tool, { names: NAMES })));

  recordAfterChecks(
    { attack: 'tool-call-other-persona', class: 'information-leak', contained: true, kind: null, elapsedMs: null, limitMs: null, sandboxPeakRssMb: null, worstStallMs: null, note: `${outcomes.length} calls by ${NAMES.length} spellings: none reached the other persona` },
    () => {
      expect(outcomes.filter((o) => 'result' in o)).toEqual([]);
      for (const o of outcomes) expect(['ToolNotFoundError', 'TypeError', 'CapabilityError']).toContain(o.error);
      expect(outcomes.find((o) => o.name === 'victim' && o.error === 'ToolNotFoundError')).toBeDefined();
      expect(other!.transcript().includes(secret)).toBe(false);
      expect(other!.transcript().includes(server.canary)).toBe(false);
    },
  );
  // Not even a log row of the victim persona was made by these attempts.
  const rows = await server.call('list_executions', { tool_name: 'victim', include_nested: true });
  expect((rows.structuredContent as { executions: unknown[] }).executions).toHaveLength(1);
  // The refusal at create: a name that is not a tool name cannot be declared at all.
  const refused = await other.call('create_tool', { name: 'declares_path', code: PROBE, description: 'x', capabilities: { tools: ['default/victim'] } });
  expect(refused.isError).toBe(true);
  expect(textOf(refused)).toMatch(/capabilities\.tools.*use a tool name/);
  await expectContained(server, { tool: 'victim' });
});
