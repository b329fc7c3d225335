/**
 * Attack (capability): find the host's request hook, `__chameleon_host_request` (an
 * isolated-vm Callback that forwards a request to the server), or the prelude's `deliver`
 * and `__chameleon_settle`, and call them with requests of the tool's making: unchecked ops,
 * forged request ids, bodies that skip the realm's own checks. Routes: the global object and
 * its names; every object and function reachable from `fetch`, `ctx` (`kv`, `secret`, `log`)
 * and the Web API classes fetch uses, looking for a native function that is not an ES
 * built-in (a host Callback prints as native code); `caller`/`arguments` of sloppy functions
 * fetch and kv call back (getters on init objects, toString of a URL, toJSON of a value); and
 * the stacks of errors fetch and kv reject with, which must show no host frame.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { capabilitiesConfig } from './helpers/capabilities.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult, expectNoHostLeak } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer({ config: capabilitiesConfig({ allow: ['example.com'] }) });
});
afterAll(() => server.close());

const code = `
module.exports = async function (_args, ctx) {
  var G = globalThis, found = [];
  ['__chameleon_host_request', '__chameleon_settle', '__chameleon_timer', 'deliver', 'hostRequest'].forEach(function (n) { if (n in G) found.push('global ' + n); });
  Reflect.ownKeys(G).forEach(function (k) { if (/host_request|settle|deliver|chameleon_(?!bind$|console$)/i.test(String(k))) found.push('global key ' + String(k)); });

  var NATIVE = /\\{\\s*\\[native code\\]\\s*\\}\\s*$/;
  // The ES built-ins the walk would otherwise enter (the realm's own; realm-walker checks them).
  var builtins = new Set([Object.prototype, Function.prototype, Error, Error.prototype, Promise, Promise.prototype, Array.prototype,
    Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())), Object.getPrototypeOf(function* () {}),
    Object.getPrototypeOf(Object.getPrototypeOf((function* () {})())), Object.getPrototypeOf(async function () {})]);
  var roots = [[fetch, 'fetch'], [ctx, 'ctx'], [ctx.kv, 'ctx.kv'], [ctx.secret, 'ctx.secret'], [ctx.log, 'ctx.log'], [Request, 'Request'], [Response, 'Response'], [Headers, 'Headers'], [AbortSignal, 'AbortSignal']];
  var queue = roots.slice(), seen = new Set(), natives = [], visited = 0;
  while (queue.length) {
    var item = queue.shift(), v = item[0], path = item[1];
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v) || builtins.has(v)) continue;
    seen.add(v); visited++;
    if (typeof v === 'function' && NATIVE.test(Function.prototype.toString.call(v))) natives.push(path);
    queue.push([Object.getPrototypeOf(v), path + '<proto>']);
    Reflect.ownKeys(v).forEach(function (k) {
      var d = Object.getOwnPropertyDescriptor(v, k);
      if (!d) return;
      if ('value' in d) queue.push([d.value, path + '.' + String(k)]);
      else queue.push([d.get, path + '.' + String(k) + '<get>'], [d.set, path + '.' + String(k) + '<set>']);
    });
  }

  // What a sloppy function that fetch or kv calls back sees of its caller.
  var log = [];
  var spy = Function('log', 'value', 'var f = arguments.callee; var out = []; try { out.push(f.caller === null ? "null" : typeof f.caller); } catch (e) { out.push(e.name); } log.push(out.join("/")); return value;');
  var init = {};
  Object.defineProperty(init, 'method', { get: function () { return spy(log, 'GET'); } });
  Object.defineProperty(init, 'headers', { get: function () { return spy(log, { a: '1' }); } });
  var stacks = [];
  try { await fetch({ toString: function () { return spy(log, 'http://example.com/'); } }, init); } catch (e) { stacks.push(String(e && e.stack)); }
  try { await fetch('http://127.0.0.1:1/'); } catch (e) { stacks.push(String(e.stack)); }
  try { await ctx.kv.set('k', { toJSON: function () { return spy(log, 'v'); } }); } catch (e) { stacks.push(String(e.stack)); }
  try { await ctx.kv.set('\\u0000', 1); } catch (e) { stacks.push(String(e.stack)); }
  try { ctx.secret('NOPE'); } catch (e) { stacks.push(String(e.stack)); }
  return { found: found, natives: natives, visited: visited, callers: log, stacks: stacks };
};`;

it('no route leads from fetch, ctx.kv or ctx.secret to the host request hook', async () => {
  const report = await attackResult<{ found: string[]; natives: string[]; visited: number; callers: string[]; stacks: string[] }>(server, 'channel_hook_sweep', code, {}, { language: 'javascript', capabilities: { fetch: ['example.com'] } });
  expect(report.found).toEqual([]);
  expect(report.natives).toEqual([]);
  expect(report.visited).toBeGreaterThan(60);
  expect(report.callers.length).toBeGreaterThanOrEqual(3);
  for (const seen of report.callers) expect(seen).toMatch(/^null/);
  expect(report.stacks.length).toBeGreaterThanOrEqual(4);
  for (const stack of report.stacks) expectNoHostLeak(server, stack, 'a capability error stack');
  await expectContained(server, { tool: 'channel_hook_sweep', note: `${report.visited} objects and functions reachable from fetch, ctx and the Web API classes: 0 native functions, 0 hook names; ${report.callers.length} callbacks saw caller null; ${report.stacks.length} error stacks without host frames` });
});
