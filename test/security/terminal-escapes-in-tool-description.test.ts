/**
 * Integrity: escape sequences in the text an agent writes about its tool — the description
 * and the source (shown by `chameleon tools list` and `chameleon tools show`), an input
 * schema's descriptions — and in a refused create's compile error (which `chameleon logs`
 * shows, with a code frame quoting the hostile line). None may reach the terminal raw.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { runCli, TERMINAL_ATTACK, terminalControls, VISIBLE_MARKER } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

it('tools list/show and the log of a refused create print no terminal control', async () => {
  const created = await server.call('create_tool', {
    name: 'innocent',
    description: `Adds numbers. ${TERMINAL_ATTACK}`,
    code: `// ${TERMINAL_ATTACK.replace(/[\r\n\u2028\u2029]/g, ' ')}\nexport default () => ${JSON.stringify(TERMINAL_ATTACK)};`,
    input_schema: { type: 'object', properties: { n: { type: 'number', description: TERMINAL_ATTACK } } },
  });
  expect(created.isError, textOf(created)).toBeFalsy();
  // A create refused for a syntax error on a line full of escapes: logged with a code frame.
  const refused = await server.call('create_tool', { name: 'broken', description: TERMINAL_ATTACK, code: `export default () => { ${TERMINAL_ATTACK.replace(/[\r\n\u2028\u2029]/g, ' ')} ;;; ) }` });
  expect(refused.isError).toBe(true);
  const id = ((await server.call('list_executions', { tool_name: 'broken', limit: 1 })).structuredContent as { executions: Array<{ execution_id: string }> }).executions[0]!.execution_id;
  // The server's part is done: check containment before the CLI processes compete for CPU.
  await expectContained(server, { tool: 'broken', kind: 'compile' });

  const list = await runCli(['tools', 'list', '--db', server.dbPath]);
  expect(list.code, list.stderr).toBe(0);
  expect(list.stdout).toContain('innocent');
  expect(terminalControls(list.stdout), 'controls in `tools list`').toEqual([]);

  const show = await runCli(['tools', 'show', 'innocent', '--db', server.dbPath]);
  expect(show.code, show.stderr).toBe(0);
  expect(show.stdout).toContain(VISIBLE_MARKER);
  expect(terminalControls(show.stdout), 'controls in `tools show`').toEqual([]);

  const full = await runCli(['logs', '--db', server.dbPath, '--id', id]);
  expect(full.code, full.stderr).toBe(0);
  expect(terminalControls(full.stdout), 'controls in `logs --id` of the refused create').toEqual([]);
});
