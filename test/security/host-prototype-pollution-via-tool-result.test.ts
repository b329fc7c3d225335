/**
 * Integrity: prototype pollution of the SERVER through a tool's RESULT. The guest returns
 * objects with own `__proto__` keys (JSON.parse in the guest makes them own properties, and
 * the prelude's JSON.stringify writes them out), nested, inside arrays, and as the console
 * text's JSON. The host parses the envelope, logs a summary, builds structuredContent and the
 * SDK serialises it; none of that may turn the key into a prototype write.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { createOk, expectServerNotPolluted } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const TOOL = `
export default () => {
  const p = '{"polluted":true,"timeout_ms":11,"memory_mb":9}';
  const result = JSON.parse('{"__proto__":' + p + ',"deep":{"__proto__":' + p + '},"list":[{"__proto__":' + p + '}],"ok":1}');
  console.log(JSON.stringify(result));
  return result;
};`;

it('__proto__ keys in a tool result do not pollute the server', async () => {
  await createOk(server, 'proto_result', TOOL);
  const out = await server.call('proto_result', {});
  expect(out.isError, textOf(out)).toBeFalsy();
  // The text the agent reads carries the keys as data.
  expect(textOf(out)).toContain('"__proto__":{"polluted":true');
  const structured = out.structuredContent as { status: string; result: Record<string, unknown> };
  expect(structured.status).toBe('SUCCESS');
  expect(structured.result['ok']).toBe(1);

  // The logged summary and get_execution read it back without harm.
  const last = await server.call('list_executions', { tool_name: 'proto_result', limit: 1 });
  const id = (last.structuredContent as { executions: Array<{ execution_id: string }> }).executions[0]!.execution_id;
  const row = await server.call('get_execution', { id });
  expect(row.isError, textOf(row)).toBeFalsy();
  expect((row.structuredContent as { result_summary: string }).result_summary).toContain('"__proto__":{"polluted":true');

  await expectServerNotPolluted(server);
  await expectContained(server, { tool: 'proto_result' });
});
