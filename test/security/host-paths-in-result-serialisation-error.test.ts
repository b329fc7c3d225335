/**
 * Information leak: make result serialisation fail in each way it can — a toJSON that
 * throws, a BigInt produced by toJSON (JSON.stringify's own TypeError), a revoked Proxy
 * (which breaks even the inspection walk), a getter that throws — and read what the agent is
 * told. Each is an invalid_result (or the getter's exception) whose message and traceback
 * carry no host path, no prelude internals beyond their names, and no canary.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attack, expectNoHostLeak, lastErrorWithoutLeaks } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const cases: Array<[string, string, string, RegExp]> = [
  ['ser_tojson_throws', 'export default () => ({ a: { toJSON() { throw new Error("toJSON failed"); } } });', 'invalid_result', /could not be converted to JSON: toJSON failed/],
  ['ser_tojson_bigint', 'export default () => ({ a: { toJSON() { return 10n; } } });', 'invalid_result', /could not be converted to JSON: Do not know how to serialize a BigInt/],
  ['ser_revoked_proxy', 'export default () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return { p: proxy }; };', 'invalid_result', /could not be inspected: Cannot perform 'IsArray' on a proxy that has been revoked/],
  ['ser_getter_throws', 'export default () => ({ get a() { throw new RangeError("getter failed"); } });', 'invalid_result', /could not be converted to JSON: getter failed/],
];

it('failed result serialisation tells the agent what failed, and nothing of the host', async () => {
  for (const [name, code, kind, message] of cases) {
    const out = await attack(server, name, code);
    expect(out.status, name).toBe('FAILURE');
    expect(out.error!.kind, name).toBe(kind);
    expect(out.error!.message, name).toMatch(message);
    expectNoHostLeak(server, JSON.stringify(out), `${name} result`);
    await lastErrorWithoutLeaks(server, name);
  }
  await expectContained(server, { tool: 'ser_revoked_proxy', kind: 'invalid_result' });
});
