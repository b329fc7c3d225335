/**
 * Attack (capability / integrity): leave requests running when a call ends, so that their
 * answers land in the next call of the same tool (same realm): a fetch to a slow host whose
 * continuation would print into the next call's console and write kv from there, and a kv
 * read whose continuation would do the same. What must hold: a call's requests end with it:
 * the server aborts the slow fetch when the call ends (the host sees its socket closed before
 * it could answer), an answer that comes back after the end is dropped by the sandbox process,
 * and the next call sees only its own answers: no stray console line, no late kv write.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, capabilitiesConfig, effectsOf, kvRows } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { httpTarget, type HttpTarget } from './helpers/http-target.js';

let target: HttpTarget;
let server: SecurityServer;
/** What became of each /slow request: answered, or its socket closed first. */
const slowFates: string[] = [];
beforeAll(async () => {
  target = await httpTarget((req, res) => {
    if (req.url !== '/slow') return void res.end('fast answer');
    let closed = false;
    res.on('close', () => (closed = true));
    setTimeout(() => {
      slowFates.push(closed ? 'closed before the answer' : 'answered');
      if (!closed) res.end('LATE answer for the call before');
    }, 800);
  });
  server = await startSecurityServer({ config: capabilitiesConfig({ allow: [target.pattern] }) });
});
afterAll(async () => {
  await server.close();
  await target.close();
});

const code = (base: string) => `
export default async (a: { mode: string }, ctx: any) => {
  if (a.mode === 'leave') {
    fetch('${base}/slow').then((r) => r.text()).then((t) => { console.log('LATE fetch: ' + t); return ctx.kv.set('late-fetch', t); }, (e) => console.log('LATE rejection: ' + e.message));
    // Long enough for the slow host to have the request, well short of its answer (800 ms).
    await new Promise((r) => setTimeout(r, 400));
    // Asked as the call returns: its answer can only come back after the call has ended.
    ctx.kv.get('anything').then(() => { console.log('LATE kv answer'); return ctx.kv.set('late-kv', 1); });
    return 'left requests running';
  }
  const own = await (await fetch('${base}/fast')).text();
  // Stay in the realm past the moment the slow host would have answered the call before.
  await new Promise((r) => setTimeout(r, 1_200));
  return { own };
};`;

it("a request left running by one call never answers into the next", async () => {
  slowFates.length = 0;
  await createOk(server, 'channel_late', code(`http://${target.pattern}`), { capabilities: { fetch: [target.pattern] }, timeout_ms: 5_000 });
  const first = await callOk<string>(server, 'channel_late', { mode: 'leave' });
  expect(first.result).toBe('left requests running');
  const second = await server.call('channel_late', { mode: 'wait' });
  expect(second.structuredContent).toMatchObject({ status: 'SUCCESS', result: { own: 'fast answer' }, console: '' });

  expect(target.received.filter((r) => r.url === '/slow')).toHaveLength(1);
  expect(slowFates).toEqual(['closed before the answer']);
  expect(kvRows(server.dbPath)).toEqual([]);
  const row = await server.call('get_execution', { id: first.executionId });
  expect(JSON.stringify(row.structuredContent)).not.toContain('LATE');
  // Both are in the first call's audit: the kv read answered (its answer then dropped in the
  // sandbox process: the continuation never ran), the fetch cut at the call's end.
  const effects = await effectsOf(server, first.executionId);
  expect(effects).toContainEqual(expect.objectContaining({ op: 'fetch', path: '/slow', status: null, error: 'deadline' }));
  expect(effects).toContainEqual({ op: 'kv.get', namespace: 'tool:channel_late', key: 'anything', found: false });
  await expectContained(server, { tool: 'channel_late', note: 'a fetch and a kv read left running by one call: the fetch aborted at the call end (socket closed before the host answered), nothing of either reached the next call (console empty, 0 kv writes)' });
});
