/**
 * Attack on a neighbour: a tool on the fast path holds its sandbox process's main thread with a
 * long synchronous loop, while another tool on the same process is called with a deadline
 * shorter than that loop. The neighbour's call waits (it cannot start), but it must not be
 * billed for the wait: no kill of the process for its "overrun", no failure, a normal result.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, nameInSameSlot } from './helpers/bounds.js';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());
let attempt = 0;

const hog = `
export default (args: { ms: number }) => {
  const end = Date.now() + args.ms;
  let spins = 0;
  while (Date.now() < end) spins++;
  return { spins: spins > 0 };
};
`;

it('a call queued behind a fast-path call that holds the thread is delayed, not failed', async () => {
  // A fresh name per attempt: the suite retries a failed attack once, on the same server.
  const tool = `thread_hog_${++attempt}`;
  await createOk(server, tool, hog, { timeout_ms: 3_000 });
  const neighbour = nameInSameSlot(`neighbour${attempt}`, tool);
  await createOk(server, neighbour, 'export default () => ({ ok: true });', { timeout_ms: 200 });
  // Two quick calls put the hog on the fast path; the neighbour is warm too.
  for (let i = 0; i < 2; i++) expect((await server.call(tool, { ms: 0 })).isError).toBeFalsy();
  expect((await server.call(neighbour, {})).isError).toBeFalsy();
  const hogging = server.call(tool, { ms: 1_000 });
  await new Promise((r) => setTimeout(r, 100));
  const started = performance.now();
  const waited = await server.call(neighbour, {});
  const waitedMs = performance.now() - started;
  expect(waited.isError, textOf(waited)).toBeFalsy();
  expect((await hogging).isError).toBeFalsy();
  // It really waited past its own 200 ms deadline (+100 ms kill grace) behind the hog.
  expect(waitedMs).toBeGreaterThan(300);
  await expectContained(server, { tool });
});
