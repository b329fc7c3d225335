/**
 * Integrity: prototype pollution of the SERVER through a tool's input_schema, which the
 * server stores and compiles with ajv. The schema carries own `__proto__` keys at the top,
 * under `properties` (a property NAMED `__proto__`, with a `default`), in `definitions` and
 * `$ref`s to them. Calls then send a `__proto__` argument that the schema describes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { expectServerNotPolluted, ownProtoKey, POLLUTION } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

it('__proto__ keys in an input_schema do not pollute the server', async () => {
  const p = JSON.stringify(POLLUTION);
  const schema = JSON.parse(
    `{"type":"object","__proto__":${p},` +
      `"properties":{"__proto__":{"type":"object","default":${p},"properties":{"polluted":{"const":true}}},"x":{"$ref":"#/definitions/__proto__"}},` +
      `"definitions":{"__proto__":{"type":"object","default":${p}}}}`,
  ) as Record<string, unknown>;
  const created = await server.call('create_tool', {
    name: 'proto_schema',
    description: 'schema with __proto__ keys',
    code: 'export default (a: any) => ({ keys: Object.keys(a), guestPolluted: ({} as any).polluted === true });',
    input_schema: schema,
  });
  // Either refused with a clear error, or saved; never a crash or a polluted server.
  if (!created.isError) {
    const out = await server.call('proto_schema', { ...ownProtoKey(), x: ownProtoKey() });
    expect(textOf(out)).not.toMatch(/internal error/i);
    if (!out.isError) expect(out.structuredContent).toMatchObject({ result: { guestPolluted: false } });
    const got = await server.call('get_tool', { name: 'proto_schema' });
    expect(got.isError, textOf(got)).toBeFalsy();
    // Nested `__proto__` keys are kept as data (a property of that name), never as a prototype.
    const stored = (got.structuredContent as { tool: { input_schema: Record<string, unknown> } }).tool.input_schema;
    expect(Object.keys(stored['properties'] as object)).toContain('__proto__');
    expect(Object.getPrototypeOf(stored['properties'])).toBe(Object.prototype);
  } else {
    expect(textOf(created)).not.toMatch(/internal error/i);
  }
  await expectServerNotPolluted(server);
  await expectContained(server, created.isError ? {} : { tool: 'proto_schema' });
});
