/**
 * Attack: make the new readers of errors and console values run hostile code or huge work.
 * The prelude now follows an error's cause and an AggregateError's members, keeps an error's
 * own properties, and console.log inspects Maps, Sets and objects key by key. Thrown at it:
 * an AggregateError of a million members, an error with a hundred thousand properties, a
 * cause that is a Proxy whose every trap throws, and console.log of a revoked Proxy, a Map of
 * a million entries and an object whose getter spins. Each is bounded inside the isolate (16
 * linked errors, 10 members, 100 keys looked at, 20 kept, output cut at its cap, getters never
 * called), the call fails or succeeds as the tool's own, and nothing reaches the host but text.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stallBound } from './helpers/noise.js';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default (a: { shape: string }) => {
  if (a.shape === 'members') throw new AggregateError(new Array(1_000_000).fill(new Error('member')), 'a million');
  if (a.shape === 'properties') {
    const e = new Error('many properties') as any;
    for (let i = 0; i < 100_000; i++) e['p' + i] = 'v'.repeat(100);
    throw e;
  }
  if (a.shape === 'trap-cause') {
    const trap = () => { throw new Error('trap ran'); };
    throw new Error('outer', { cause: new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, has: trap }) });
  }
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  const spin = { get slow() { for (;;) {} } };
  console.log(revocable.proxy, new Map(Array.from({ length: 1_000_000 }, (_, i) => [i, i])), spin);
  return 'logged';
};
`;

it('hostile causes, members, properties and console values are read within bounds, inside the isolate', async () => {
  await createOk(server, 'hostile_facts', code, { timeout_ms: 2_000, memory_mb: 128 });

  const members = await measureCall(server, 'hostile_facts', { shape: 'members' });
  recordAndCheck(members, { attack: 'error-facts-hostile-values', note: 'AggregateError of 1,000,000 members', class: 'denial-of-service', expectKind: 'exception', memoryMb: 128 });
  const error = members.structured.error as { errors?: unknown[]; errors_omitted?: number };
  expect(error.errors).toHaveLength(10);
  expect(error.errors_omitted).toBe(999_990);

  const properties = await measureCall(server, 'hostile_facts', { shape: 'properties' });
  expect(properties.kind).toBe('exception');
  expect(Object.keys((properties.structured.error as { properties?: object }).properties ?? {})).toHaveLength(20);

  const trap = await measureCall(server, 'hostile_facts', { shape: 'trap-cause' });
  expect(trap.kind).toBe('exception');
  // The traps threw inside the isolate; the cause is described without their text.
  expect(trap.structured.error).toMatchObject({ name: 'Error', message: 'outer', cause: { name: 'object', message: '[unprintable value]' } });

  const logged = await measureCall(server, 'hostile_facts', { shape: 'console' });
  expect(logged.kind).toBeNull();
  expect(logged.structured.console).toMatch(/^\[unprintable value\] Map\(1000000\) \{ 0 => 0, 1 => 1, .*\.\.\. 999900 more items \} \{ slow: \[Getter\] \}$/);

  for (const call of [members, properties, trap, logged]) {
    expect(call.worstStallMs, `server event-loop stall (ms); machine noise ${call.noiseMs.toFixed(0)} ms`).toBeLessThanOrEqual(stallBound(call.noiseMs));
  }
  await expectContained(server, { tool: 'hostile_facts', memoryMb: 128 });
});
