/**
 * Integrity: prototype pollution of the SERVER through tool arguments. The client sends
 * arguments whose JSON has own `__proto__` keys (at the top, nested, inside arrays), natively
 * and through run_tool. Any host code that merged them into a plain object with `obj[key] =`
 * would set Object.prototype's properties for the whole server process. The tool itself must
 * receive them as plain data, and its own realm stays unpolluted too.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { createOk, expectServerNotPolluted, ownProtoKey, runOk } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const ECHO = `
export default (args: any) => ({
  keys: Object.keys(args),
  nestedKeys: args.a ? Object.keys(args.a) : null,
  nestedOwnProto: args.a ? Object.prototype.hasOwnProperty.call(args.a, '__proto__') : null,
  guestPolluted: ({} as any).polluted === true,
  argsInherit: (args as any).polluted === true,
});`;

it('__proto__ keys in arguments pollute neither the server nor the tool', async () => {
  await createOk(server, 'proto_echo', ECHO);
  const payload = { ...ownProtoKey(), a: ownProtoKey(), list: [ownProtoKey()], b: 1 };
  // The payload really carries own __proto__ keys on the wire.
  expect(JSON.stringify(payload)).toContain('"__proto__":{"polluted":true');

  const direct = await runOk(server, 'proto_echo', payload);
  expect(direct).toMatchObject({ guestPolluted: false, argsInherit: false });
  // Nested __proto__ arrives as data (an own key), never as a prototype.
  expect(direct['nestedKeys']).toEqual(['__proto__']);
  expect(direct['nestedOwnProto']).toBe(true);

  const viaRunTool = await server.call('run_tool', { name: 'proto_echo', arguments: payload });
  expect(viaRunTool.isError, textOf(viaRunTool)).toBeFalsy();
  expect(viaRunTool.structuredContent).toMatchObject({ status: 'SUCCESS', result: { guestPolluted: false, argsInherit: false } });

  // The log keeps the arguments as they were sent (as data), and reading it pollutes nothing.
  const last = await server.call('list_executions', { tool_name: 'proto_echo', limit: 1 });
  const id = (last.structuredContent as { executions: Array<{ execution_id: string }> }).executions[0]!.execution_id;
  const row = await server.call('get_execution', { id });
  expect(row.isError, textOf(row)).toBeFalsy();
  expect(JSON.stringify((row.structuredContent as { arguments: unknown }).arguments)).toContain('"a":{"__proto__":');

  await expectServerNotPolluted(server);
  await expectContained(server, { tool: 'proto_echo' });
});
