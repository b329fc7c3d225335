/**
 * Attack: return a Proxy (and a result full of getters) so that whoever serialises the
 * result runs guest traps. If the host serialised it (or isolated-vm copied it), the traps
 * would run outside the CPU limit and could hand the host anything. The prelude walks and
 * stringifies the result inside the isolate, under the limit, and sends a string; a trap
 * that never returns is a CPU timeout like any loop.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { limitSlack } from './helpers/bounds.js';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { loadedBound, processNoiseSince, TIGHT } from './helpers/noise.js';
import { attack, type RunOut } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const counting = `
export default (_a: unknown, ctx: any) => {
  let traps = 0;
  const target = { a: 1, nested: { b: 2 }, where: '' };
  const handler: ProxyHandler<any> = {
    get(t, k, r) {
      traps++;
      // The traps report where they run: inside the isolate, while the result is serialised.
      if (k === 'where') return 'trap ran with process=' + typeof (globalThis as any).process + ' frozen=' + Object.isFrozen(globalThis) + ' traps=' + traps;
      return Reflect.get(t, k, r);
    },
    ownKeys(t) { traps++; return Reflect.ownKeys(t); },
  };
  return new Proxy(target, handler);
};
`;

const looping = `
export default () => new Proxy({ a: 1 }, { ownKeys() { for (;;) {} } });
`;

it('a Proxy result is serialised inside the isolate, and a looping trap is a CPU timeout', async () => {
  const out = await attack(server, 'proxy_result', counting);
  expect(out.status).toBe('SUCCESS');
  expect(out.result).toMatchObject({ a: 1, nested: { b: 2 } });
  // The traps ran inside the isolate (no process, frozen global), several times: once by the
  // prelude's inspection walk, again by JSON.stringify. Nothing of the Proxy left as an object.
  expect((out.result as { where: string }).where).toMatch(/^trap ran with process=undefined frozen=true traps=\d+$/);

  expect((await server.createTool('proxy_result_loop', looping, { timeout_ms: 300 })).isError).toBeFalsy();
  const started = performance.now();
  const spin = (await server.call('proxy_result_loop', {})).structuredContent as RunOut;
  const elapsed = performance.now() - started;
  const noise = processNoiseSince(started);
  expect(spin.status).toBe('FAILURE');
  // Stopped as the loop it is: by the CPU limit, or (on a loaded machine, where the wall clock
  // runs out first) by the deadline. Never by running on after the call on the host's side.
  expect(spin.error!.kind).toBe('timeout');
  expect(spin.error!.message).toMatch(/CPU-time limit|deadline \(wall clock\)/);
  expect(elapsed, `machine noise ${noise.toFixed(0)} ms`).toBeLessThanOrEqual(300 + limitSlack('wall', noise) + loadedBound(TIGHT.roundTripMs, noise));
  expect(textOf(await server.call('proxy_result', {}))).toContain('"a"');
  await expectContained(server, { tool: 'proxy_result_loop', kind: 'timeout' });
});
