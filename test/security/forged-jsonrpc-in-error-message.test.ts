/**
 * Integrity: the same stdout forgery through a FAILURE: the tool throws an error whose name,
 * message and cause hold JSON-RPC messages on their own lines, and a thrown non-Error string
 * made of them. The failure text the agent reads is built from the name and message (the
 * server keeps them on one line there); the structured error carries them as data. Neither may
 * put a line of its own on the server's stdout, in the call's answer or in get_last_error's.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { createOk, expectCleanStdout, forgedMessages, startRawStdio } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const TOOL = `
export default (args: { forged: string; raw?: boolean }) => {
  if (args.raw) throw args.forged;
  const e = new Error(args.forged);
  e.name = 'Forged\\n' + args.forged.split('\\n')[1];
  (e as any).cause = args.forged;
  throw e;
};`;

it('JSON-RPC lines in error names and messages stay text inside the failure', async () => {
  await createOk(server, 'error_forger', TOOL);
  const forged = forgedMessages(999);
  for (const raw of [false, true]) {
    const out = await server.call('error_forger', { forged, raw });
    expect(out.isError).toBe(true);
    expect(out.structuredContent).toMatchObject({ status: 'FAILURE', error: { kind: 'exception' } });
    // The first line of the agent's text is the error line: the forgery did not start a line of its own.
    const first = textOf(out).split('\n')[0]!;
    expect(first).toContain('FORGED RESPONSE');
    expect(textOf(out).split('\n').some((line) => line.startsWith('{"jsonrpc"'))).toBe(false);
  }
  const last = await server.call('get_last_error', { tool_name: 'error_forger' });
  expect(last.isError, textOf(last)).toBeFalsy();

  // The harness server's part is done: check containment now, before a second server process
  // (the raw-stdio observer below) competes with it for CPU.
  await expectContained(server, { tool: 'error_forger', kind: 'exception' });

  const raw = await startRawStdio({ dbPath: server.dbPath, canary: server.canary });
  try {
    await raw.request(1, 'tools/call', { name: 'error_forger', arguments: { forged: forgedMessages(2) } });
    await raw.request(3, 'tools/call', { name: 'error_forger', arguments: { forged: forgedMessages(4), raw: true } });
    await raw.request(5, 'tools/call', { name: 'get_last_error', arguments: { tool_name: 'error_forger' } });
    const list = await raw.request(2, 'tools/list', {});
    expect(JSON.stringify(list)).not.toContain('FORGED_TOOL');
    const ping = await raw.request(4, 'ping', {});
    expect(ping['result']).toEqual({});
    expectCleanStdout(raw.lines(), [0, 1, 2, 3, 4, 5]);
  } finally {
    await raw.close();
  }
});
