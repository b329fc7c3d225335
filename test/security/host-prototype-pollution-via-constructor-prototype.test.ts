/**
 * Integrity: the other classic pollution path, `constructor.prototype`, which defeats filters
 * that only drop `__proto__`: `{"constructor":{"prototype":{"polluted":true}}}` merged
 * recursively into a host object writes Object.prototype. Sent as arguments (top level and
 * nested), as a meta-tool's input_schema, and returned as a tool's result.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { createOk, expectServerNotPolluted, POLLUTION, runOk } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const PAYLOAD = { constructor: { prototype: { ...POLLUTION } } };

const TOOL = `
export default (args: any) => ({
  echoed: args,
  guestPolluted: ({} as any).polluted === true,
  returned: JSON.parse('{"constructor":{"prototype":{"polluted":true,"timeout_ms":11}},"x":{"constructor":{"prototype":{"polluted":true}}}}'),
});`;

it('constructor.prototype payloads pollute neither the server nor the tool', async () => {
  await createOk(server, 'ctor_proto', TOOL, {
    // The schema itself carries the payload too (ajv compiles it on the server).
    input_schema: { type: 'object', properties: { constructor: { type: 'object', properties: { prototype: { type: 'object', default: { polluted: true } } } } } },
  });
  const direct = await runOk(server, 'ctor_proto', { ...PAYLOAD, nested: PAYLOAD });
  expect(direct['guestPolluted']).toBe(false);
  // The arguments arrived as plain data, exactly as sent.
  expect(direct['echoed']).toEqual({ ...PAYLOAD, nested: PAYLOAD });
  expect(direct['returned']).toMatchObject({ constructor: { prototype: { polluted: true } } });

  const viaRunTool = await server.call('run_tool', { name: 'ctor_proto', arguments: PAYLOAD });
  expect(viaRunTool.isError, textOf(viaRunTool)).toBeFalsy();

  // A meta-tool's own arguments with the payload beside the real ones are refused or ignored.
  const strict = await server.call('list_tools', PAYLOAD);
  expect(strict.isError).toBe(true);

  await expectServerNotPolluted(server);
  await expectContained(server, { tool: 'ctor_proto' });
});
