/**
 * Attack: look for Node's and the web's ambient capabilities — process, require, Buffer,
 * module, timers, fetch, XMLHttpRequest, WebSocket, streams, workers, the canary the
 * sandbox process keeps on its own global (globalThis.chameleonCanary) — by every route a
 * name can be resolved: bare identifiers, globalThis, `this` of sloppy code, indirect eval,
 * Function, `with`, and the prototype chain of the global object.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { AMBIENT_NAMES, attackResult } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
const names: string[] = ${JSON.stringify(AMBIENT_NAMES)};
export default function () {
  const found: string[] = [];
  const sloppyThis = Function('return this')();
  for (const n of names) {
    const routes: Record<string, () => unknown> = {
      bare: () => (0, eval)('typeof ' + n + ' === "undefined" ? undefined : ' + n),
      globalThis: () => (globalThis as any)[n],
      sloppyThis: () => sloppyThis[n],
      fn: () => Function('return typeof ' + n + ' === "undefined" ? undefined : ' + n)(),
      with: () => Function('o', 'with (o) { return typeof ' + n + ' === "undefined" ? undefined : ' + n + '; }')({}),
      protoChain: () => { let o: any = Object.getPrototypeOf(globalThis); while (o) { if (Object.prototype.hasOwnProperty.call(o, n)) return o[n]; o = Object.getPrototypeOf(o); } return undefined; },
      inOperator: () => (n in globalThis ? 'present' : undefined),
    };
    for (const [route, get] of Object.entries(routes)) {
      try { const v = get(); if (v !== undefined) found.push(route + ':' + n + '=' + typeof v); } catch (e: any) { found.push(route + ':' + n + ' threw ' + e.message); }
    }
  }
  // Strings anywhere in the realm that look like the canary or the environment.
  const canaryLike = Object.getOwnPropertyNames(globalThis).filter((k) => /canary|env|secret|token/i.test(k));
  return { found, canaryLike, checked: names.length };
}
`;

it('no Node or web global is reachable by any route', async () => {
  const report = await attackResult<{ found: string[]; canaryLike: string[]; checked: number }>(server, 'ambient_globals', code);
  expect(report.checked).toBe(AMBIENT_NAMES.length);
  // The module's own parameters (module, exports, require) are in scope for the module body
  // only; none of these routes reaches them, and nothing else answers at all.
  expect(report.found).toEqual([]);
  expect(report.canaryLike).toEqual([]);
  await expectContained(server, { tool: 'ambient_globals' });
});
