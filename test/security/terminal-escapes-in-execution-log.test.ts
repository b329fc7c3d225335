/**
 * Integrity: a tool aims escape sequences at the operator's terminal through everything
 * `chameleon logs` prints: its console output (console.log and ctx.log), its error's name and
 * message (and so its stack), the call's arguments (sent by a client) and its result. The
 * sequences clear the screen, retitle the window, write the clipboard (OSC 52), forge a
 * hyperlink, overwrite lines with \r, and use 8-bit C1 controls. `chameleon logs` (the table)
 * and `chameleon logs --id` (one execution in full) must print none of them: no ESC, no BEL,
 * no other C0 control but \n and \t, no C1 control.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk, runCli, TERMINAL_ATTACK, terminalControls, VISIBLE_MARKER } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const TOOL = `
export default (args: { payload: string; fail?: boolean }, ctx: { log: (...a: unknown[]) => void }) => {
  console.log('console: ' + args.payload);
  console.error(args.payload);
  ctx.log({ nested: args.payload });
  if (args.fail) {
    const e = new Error('message: ' + args.payload);
    e.name = 'Evil\\u001b]0;title\\u0007Error';
    throw e;
  }
  return { result: args.payload, [args.payload]: 'as a key' };
};`;

it('chameleon logs prints no terminal control from console, errors, arguments or results', async () => {
  await createOk(server, 'escape_artist', TOOL);
  const ids: string[] = [];
  for (const fail of [false, true]) {
    const out = await server.call('escape_artist', { payload: TERMINAL_ATTACK, fail });
    ids.push((out.structuredContent as { execution_id: string }).execution_id);
  }
  // The raw sequences really are in the log (stored verbatim, as data).
  const stored = await server.call('get_execution', { id: ids[0]! });
  expect((stored.structuredContent as { console: string }).console).toContain('\u001b]52;c;');
  // The server's part is done: check containment now, before the CLI processes below compete
  // with the server for CPU (they are the observer, not the attack).
  await expectContained(server, { tool: 'escape_artist', kind: 'exception' });

  const table = await runCli(['logs', '--db', server.dbPath]);
  expect(table.code, table.stderr).toBe(0);
  expect(table.stdout).toContain('escape_artist');
  expect(terminalControls(table.stdout), 'controls in `chameleon logs`').toEqual([]);
  expect(terminalControls(table.stderr)).toEqual([]);

  for (const id of ids) {
    const full = await runCli(['logs', '--db', server.dbPath, '--id', id]);
    expect(full.code, full.stderr).toBe(0);
    expect(full.stdout).toContain(id);
    // Shown, defanged: the text around the sequences is still visible to the operator.
    expect(full.stdout).toContain(VISIBLE_MARKER);
    expect(terminalControls(full.stdout), `controls in \`chameleon logs --id ${id}\``).toEqual([]);
    expect(full.stdout).not.toContain('\u202e');
  }
});
