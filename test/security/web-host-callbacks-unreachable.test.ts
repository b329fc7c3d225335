/**
 * Attack: find the host's callbacks behind crypto and URL (src/sandbox-host/worker/
 * realm-hooks.ts) and call them directly, with arguments of the tool's choosing. Routes: the
 * global object (own names, symbols, prototype chain) and the names the host set them under;
 * every function reachable from the Web API globals (a host callback prints as native code,
 * and none may be found beside the ES built-ins); `caller` and `arguments` of a sloppy function
 * the Web APIs call back (a toString, a listener, a forEach callback, a getter); and the frames
 * of errors the Web APIs throw, which must show no host file.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult, expectNoHostLeak } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
module.exports = function () {
  var G = globalThis, found = [];
  var NATIVE = /\\{\\s*\\[native code\\]\\s*\\}\\s*$/;
  ['__chameleon_host_random', '__chameleon_host_url'].forEach(function (n) { if (n in G) found.push('global ' + n); });
  Reflect.ownKeys(G).forEach(function (k) { if (/host|chameleon_(?!bind|console)/i.test(String(k))) found.push('global key ' + String(k)); });

  // Every object and function reachable from the Web API globals, without entering the ES
  // built-ins they inherit from (those are the realm's own, checked by realm-walker.test.ts).
  var builtins = new Set([Object.prototype, Function.prototype, Error, Error.prototype, Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())),
    Object.getPrototypeOf(function* () {}), Object.getPrototypeOf(Object.getPrototypeOf((function* () {})())), Object.getPrototypeOf(async function () {})]);
  var names = ['AbortController', 'AbortSignal', 'DOMException', 'Event', 'EventTarget', 'Headers', 'Request', 'Response', 'TextDecoder', 'TextEncoder', 'URL', 'URLSearchParams', 'atob', 'btoa', 'crypto', 'performance', 'structuredClone'];
  var queue = names.map(function (n) { return [G[n], n]; }), seen = new Set(), natives = [], visited = 0;
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
      else { queue.push([d.get, path + '.' + String(k) + '<get>'], [d.set, path + '.' + String(k) + '<set>']); }
    });
  }

  // What a sloppy function called back by the Web APIs can see of its caller.
  var spy = Function('var f = arguments.callee; var out = []; try { out.push(f.caller === null ? "null" : typeof f.caller); } catch (e) { out.push(e.name); } try { out.push(f.arguments === null ? "null" : typeof f.arguments); } catch (e) { out.push(e.name); } this.log.push(out.join("/")); return "https://a.example/";');
  var ctx = { log: [] };
  var bound = function () { return spy.call(ctx); };
  new URL({ toString: bound });
  new URL({ toString: spy.bind(ctx) });
  var t = new EventTarget(); t.addEventListener('x', function () { spy.call(ctx); }); t.addEventListener('x', { handleEvent: spy.bind(ctx) }); t.dispatchEvent(new Event('x'));
  new URLSearchParams('a=1').forEach(spy.bind(ctx));
  new Headers({ a: '1' }).forEach(spy.bind(ctx));
  structuredClone({ get g() { return spy.call(ctx); } });
  new TextEncoder().encode({ toString: spy.bind(ctx) });

  var stacks = [];
  [function () { new URL('nope'); }, function () { crypto.getRandomValues(new Float64Array(1)); }, function () { atob('*'); }, function () { new Headers([['a b', 'c']]); }, function () { structuredClone(function () {}); }]
    .forEach(function (f) { try { f(); } catch (e) { stacks.push(String(e.stack)); } });
  return { found: found, natives: natives, visited: visited, callers: ctx.log, stacks: stacks };
};`;

it('no route leads from the Web APIs to the host callbacks', async () => {
  const report = await attackResult<{ found: string[]; natives: string[]; visited: number; callers: string[]; stacks: string[] }>(server, 'host_callbacks', code, {}, { language: 'javascript' });
  expect(report.found).toEqual([]);
  // The Web API objects are the prelude's own JavaScript: not one native function among them.
  expect(report.natives).toEqual([]);
  expect(report.visited).toBeGreaterThan(150);
  // A sloppy callee called from strict code sees caller null; the Web APIs are strict everywhere.
  expect(report.callers.length).toBeGreaterThanOrEqual(8);
  for (const seen of report.callers) expect(seen).toMatch(/^null\//);
  expect(report.stacks).toHaveLength(5);
  for (const stack of report.stacks) expectNoHostLeak(server, stack, 'a Web API error stack');
  await expectContained(server, { tool: 'host_callbacks' });
});
