/**
 * Attack: throw errors that refer to themselves: a cause chain that loops (a -> b -> a), an
 * AggregateError that lists itself, and a plain object that contains itself. Any code that
 * follows cause or errors, or serialises the thrown value naively, never ends or overflows its
 * stack. The prelude follows cause and errors with a set of the errors it has described (one
 * seen again is named and marked `circular`, not described again) and within a budget of 16
 * linked errors, and renders other values with a cycle guard, so each is described once, as an
 * exception.
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
export default (a: { shape: 'cause' | 'aggregate' | 'object' }) => {
  if (a.shape === 'object') {
    const o: Record<string, unknown> = { name: 'Loop', message: 'I contain myself' };
    o.self = o;
    o.list = [o, [o]];
    throw o;
  }
  const first = new Error('first') as Error & { cause?: unknown; self?: unknown };
  const second = new Error('second', { cause: first });
  first.cause = second;
  first.self = first;
  if (a.shape === 'cause') throw first;
  const agg = new AggregateError([first, second], 'aggregate of itself', { cause: first });
  agg.errors.push(agg);
  throw agg;
};
`;

it('errors with cyclic cause, errors and self references are described once, as exceptions', async () => {
  await createOk(server, 'cyclic_error', code, { timeout_ms: 1_000 });
  const m = await measureCall(server, 'cyclic_error', { shape: 'cause' });
  recordAndCheck(m, { attack: 'error-cyclic-cause', class: 'denial-of-service', expectKind: 'exception' });
  expect(m.structured.error).toMatchObject({ name: 'Error', message: 'first', cause: { message: 'second', cause: { message: 'first', circular: true } } });

  const agg = await measureCall(server, 'cyclic_error', { shape: 'aggregate' });
  expect(agg.kind).toBe('exception');
  expect(agg.structured.error).toMatchObject({ name: 'AggregateError', message: 'aggregate of itself', cause: { message: 'first' } });
  // Its members: first and second were described under its cause already; itself is a cycle too.
  const members = (agg.structured.error as { errors?: { message: string; circular?: boolean }[] }).errors ?? [];
  expect(members.map((e) => [e.message, e.circular === true])).toEqual([['first', true], ['second', true], ['aggregate of itself', true]]);

  const obj = await measureCall(server, 'cyclic_error', { shape: 'object' });
  expect(obj.kind).toBe('exception');
  expect(obj.structured.error!.message).toContain('[Circular]');
  for (const call of [agg, obj]) expect(call.worstStallMs, `server event-loop stall (ms); machine noise ${call.noiseMs.toFixed(0)} ms`).toBeLessThanOrEqual(stallBound(call.noiseMs));
  await expectContained(server, { tool: 'cyclic_error', kind: 'exception' });
});
