/**
 * Integrity: a tool prints (console.log, console.error, ctx.log) and returns text holding
 * whole JSON-RPC messages on their own lines: a response to the client's next request id, a
 * notification, a `tools/list_changed`, a server-to-client request. If any of it reached the
 * server's stdout as a line of its own, the client would take it for a real message: a forged
 * answer to its next request. The client must see it only as text inside the result, and every
 * line the server writes to stdout must be one genuine message.
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
export default (args: { forged: string }, ctx: { log: (...a: unknown[]) => void }) => {
  console.log(args.forged);
  console.error(args.forged);
  ctx.log(args.forged);
  return { text: args.forged };
};`;

it('JSON-RPC lines in console output and results stay text inside the result', async () => {
  await createOk(server, 'forger', TOOL);
  const notifications: unknown[] = [];
  server.client.fallbackNotificationHandler = (n) => {
    notifications.push(n);
    return Promise.resolve();
  };

  // Through the SDK client: the call succeeds, the forgery is text in it, nothing else arrives.
  const forged = forgedMessages(999);
  const out = await server.call('forger', { forged });
  expect(out.isError, textOf(out)).toBeFalsy();
  expect(out.structuredContent).toMatchObject({ status: 'SUCCESS', result: { text: forged } });
  expect((out.structuredContent as { console: string }).console).toContain('"FORGED NOTIFICATION"');
  expect(textOf(out)).toContain('FORGED RESPONSE');
  const tools = await server.client.listTools();
  expect(tools.tools.map((t) => t.name)).not.toContain('FORGED_TOOL');
  expect(notifications).toEqual([]);

  // Byte for byte: a second server on the same database, spoken to in raw JSON-RPC lines.
  // The forgery answers id 2; the real request with id 2 (tools/list) must get the real answer.
  // The harness server's part is done: check containment now, before a second server process
  // (the raw-stdio observer below) competes with it for CPU.
  await expectContained(server, { tool: 'forger' });

  const raw = await startRawStdio({ dbPath: server.dbPath, canary: server.canary });
  try {
    const call = await raw.request(1, 'tools/call', { name: 'forger', arguments: { forged: forgedMessages(2) } });
    expect(JSON.stringify(call['result'])).toContain('FORGED RESPONSE'); // as text, inside the result
    const list = await raw.request(2, 'tools/list', {});
    const names = ((list['result'] as { tools: Array<{ name: string }> }).tools ?? []).map((t) => t.name);
    expect(names).toContain('forger');
    expect(names).not.toContain('FORGED_TOOL');
    expectCleanStdout(raw.lines(), [0, 1, 2]);
    expect(raw.lines().join('\n')).not.toContain(server.canary);
  } finally {
    await raw.close();
  }
});
