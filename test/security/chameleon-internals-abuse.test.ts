/**
 * Attack: use the two prelude entry points that sit on the global object. __chameleon_console()
 * returns the console text of "the current call" (the host reads it after a CPU timeout): can
 * a call read what an earlier call printed? __chameleon_bind() makes a call entry: can a
 * tool run a nested call with forged metadata (another persona, huge console limits) and so
 * see or claim anything beyond its own call?
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
const g: any = globalThis;
const atLoad = g.__chameleon_console();
export default (args: { mode: string; secret?: string }, ctx: any) => {
  if (args.mode === 'print') { console.log('victim printed ' + args.secret); return 'printed'; }
  const beforePrinting = g.__chameleon_console();
  console.log('mine');
  const afterPrinting = g.__chameleon_console();
  const forgedMeta = JSON.stringify({ persona: 'other_persona', tool: { name: 'other_tool', version: 7 }, executionId: 'forged', maxResultChars: 1e9, maxConsoleChars: 1e9 });
  const nested = g.__chameleon_bind(function (module: any) {
    module.exports = (_a: unknown, c: any) => ({ seen: g.__chameleon_console(), persona: c.persona });
  });
  return Promise.resolve(nested('{}', forgedMeta)).then((envelope: string) => ({
    atLoad, beforePrinting, afterPrinting,
    nested: JSON.parse(envelope),
    realPersona: ctx.persona,
  }));
};
`;

it('the prelude entry points show a call only its own output and grant nothing', async () => {
  await attackResult(server, 'internals_abuse', code, { mode: 'print', secret: 'S3CRET_FROM_EARLIER_CALL' });
  const read = await server.call('internals_abuse', { mode: 'read' });
  expect((read.structuredContent as { status: string }).status).toBe('SUCCESS');
  const report = (read.structuredContent as { result: Record<string, any> }).result;
  expect(report.atLoad).toBe('');
  expect(report.beforePrinting).toBe('');
  expect(report.afterPrinting).toBe('mine');
  // The nested call is just a function call in this tool's own realm: it sees its own fresh
  // buffer, and the persona it claims exists only inside its own return value.
  expect(report.nested).toEqual({ ok: true, console: '', result: { seen: '', persona: 'other_persona' } });
  expect(report.realPersona).toBe('default');
  expect(JSON.stringify(report)).not.toContain('S3CRET_FROM_EARLIER_CALL');
  // The log knows the call for what it was: this tool, this persona.
  const listed = await server.call('list_executions', { tool_name: 'internals_abuse', limit: 1 });
  const rows = ((listed.structuredContent ?? {}) as { executions?: Array<Record<string, unknown>> }).executions ?? [];
  expect(JSON.stringify(rows)).not.toContain('other_persona');
  await expectContained(server, { tool: 'internals_abuse' });
});
