/**
 * Realm escape, checked independently of lockdown (issue 11): every shared object a tool can
 * reach must be frozen, or one call can leave state for the next call and the next version.
 *
 * sandbox/lockdown.ts turned overridable built-ins into accessors and froze the getter, but not
 * the original function the getter returns, so `[].push.leak = 'x'` carried from call to call;
 * hidden-intrinsics-sweep.test.ts missed it because it walks what the freezer walks. Here:
 *   1. the realm walker (helpers/realm-walker-source.ts, no code shared with lockdown) runs as
 *      a tool through the real server and must find no unfrozen shared object;
 *   2. write/read pairs, across calls and across versions, per class of shared place, must
 *      read back nothing that was written;
 *   3. the same walker, in a realm built with the pre-fix lockdown (a fixture), must report
 *      the functions behind the override accessors: it is a check that can fail.
 */
import fs from 'node:fs';
import path from 'node:path';
import ivm from 'isolated-vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installRealmHooks } from '../../src/sandbox-host/worker/realm-hooks.js';
import { expectContained, ROOT, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { attackResult } from './helpers/realm.js';
import { REALM_WALKER_SOURCE } from './helpers/realm-walker-source.js';
import { createOk, runOk, secretToken } from './helpers/state-and-integrity.js';

interface WalkReport {
  unfrozen: string[];
  unfrozenCount: number;
  visited: number;
  truncated: boolean;
  notMade: string[];
  inspectErrors: string[];
  ms: number;
}

/**
 * Objects the walk must reach at least. Measured on Node 20.20 / V8 11.3: 1,218 as a tool on
 * today's server, 1,207 as a script through the pre-fix lockdown (its accessors add the hidden
 * originals), 1,204 through that lockdown patched to also freeze what its getters return, 885
 * with no lockdown at all (no accessors to call). An allow-list lockdown removes a few
 * non-standard intrinsics; a walker that silently stops early falls far under it.
 */
const VISITED_FLOOR = 800;

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

// CommonJS JavaScript: module scope is the wrapper function's body, so the tool also sees the
// wrapper's own `require` (one frozen stub shared by every call), `module`, `exports` and
// `arguments` (made per call). Not `arguments.callee` (the per-version factory, shared): tool
// code is strict, where reading it throws (persist-module-factory-callee.test.ts).
const WALKER_TOOL = `
var walk = ${REALM_WALKER_SOURCE};
var moduleArguments = arguments;
var moduleExports = exports;
module.exports = function (args, ctx) {
  var handler = module.exports;
  return walk([
    // Made per call by the prelude (sandbox/prelude.ts run()); the pairs below check ctx.log.
    ['ctx', ctx, true, [ctx.tool, ctx.log]],
    ['module', module, true, [moduleExports, handler, handler.prototype]],
    // This call's arguments (the walker also sees them as handler.arguments, made per read).
    ['handler arguments', arguments, true, [args]],
    ['module arguments', moduleArguments, true],
    ['require', require, false]
  ]);
};`;

it('walker: every object reachable from globalThis, syntax, built-ins and ctx is frozen', async () => {
  const report = await attackResult<WalkReport>(server, 'realm_walker', WALKER_TOOL, {}, { language: 'javascript', timeout_ms: 5_000 });
  expect(report.notMade, 'roots the walker could not make').toEqual([]);
  expect(report.truncated, 'walk hit its node cap').toBe(false);
  expect(report.inspectErrors, 'objects whose keys or prototype could not be read, so not checked').toEqual([]);
  expect(report.visited).toBeGreaterThan(VISITED_FLOOR);
  expect(report.unfrozen, `${report.unfrozenCount} unfrozen of ${report.visited} visited in ${report.ms} ms`).toEqual([]);
  await expectContained(server, { tool: 'realm_walker' });
});

/**
 * One tool per pair. A writer call hangs `marker` on every place under a string key and a
 * registered-symbol key (Symbol.for is realm-wide) and runs a regexp over it (legacy RegExp
 * statics); a reader call reports anything it finds there. The places, by class:
 * (a) functions behind override accessors, (b) plain intrinsic functions, (c) prototypes
 * reachable only through syntax or returned objects, (d) globalThis and a global constructor,
 * and per-call values (ctx.log) that the walker treats as fresh: a write on them must die too.
 */
function pairTool(writes: boolean): string {
  return `
module.exports = function (args, ctx) {
  'use strict'; // A write on a frozen object throws, rather than failing silently.
  var KEY = '__realmWalkerMarker', SYM = Symbol.for(KEY), P = Object.getPrototypeOf;
  var seen = [], written = {};
  // Read the legacy statics first: building the places below runs regexps of its own.
  ['$1', 'input', '$_', 'lastMatch', 'leftContext', 'rightContext'].forEach(function (k) {
    var v = RegExp[k];
    if (v !== undefined && String(v).indexOf('MARK') >= 0) seen.push('RegExp.' + k + '=' + String(v));
  });
  var segments = new Intl.Segmenter('en').segment('a');
  var strictArgs = (function () { 'use strict'; return arguments; })();
  var places = [
    ['[].push', [].push], ['Object.prototype.hasOwnProperty', Object.prototype.hasOwnProperty],
    ['Promise.prototype.then', Promise.prototype.then], ['Error.prototype.toString', Error.prototype.toString],
    ['Map.prototype.get', Map.prototype.get], ['Function.prototype.call', Function.prototype.call],
    ['%TypedArray%.prototype.map', new Uint8Array(0).map], ['%GeneratorFunction%', P(function* () {}).constructor],
    ['JSON.parse', JSON.parse], ['Math.max', Math.max],
    ['%GeneratorPrototype%', P(P((function* () {})()))], ['%AsyncFunction.prototype%', P(async function () {})],
    ['%ArrayIteratorPrototype%', P([].values())], ['%IteratorPrototype%', P(P([].values()))],
    ['%RegExpStringIteratorPrototype%', P('a'.matchAll(/a/g))], ['%TypedArray%', P(Int8Array)],
    ['%TypedArray.prototype%', P(Int8Array.prototype)], ['%SegmentsPrototype%', P(segments)],
    ['%SegmentIteratorPrototype%', P(segments[Symbol.iterator]())],
    ['%ThrowTypeError%', Object.getOwnPropertyDescriptor(strictArgs, 'callee').get],
    ['globalThis', globalThis], ['Array', Array],
    // The Web APIs (sandbox/web/): globals, prototypes, namespaces and the prototype of what they return.
    ['URL', URL], ['URL.prototype', URL.prototype], ['crypto', crypto], ['crypto.subtle', crypto.subtle],
    ['performance', performance], ['Headers.prototype.get', Headers.prototype.get], ['AbortSignal', AbortSignal],
    ['TextDecoder.prototype', TextDecoder.prototype], ['%URLSearchParamsIterator%', P(new URLSearchParams('a=1').entries())],
    // The module factory (\`arguments.callee\` at module scope) was a place while tools
    // compiled to sloppy code; they compile strict now, where it cannot be read.
    ['ctx.log', ctx.log], ['require', require]
  ];
  places.forEach(function (entry) {
    var name = entry[0], place = entry[1];
    [[KEY, KEY], ['Symbol.for', SYM]].forEach(function (k) {
      var v;
      try { v = place[k[1]]; } catch (e) { v = undefined; }
      if (v !== undefined) seen.push(name + '[' + k[0] + ']=' + String(v));
      ${writes ? `if (args.marker === undefined) return;
      try { place[k[1]] = args.marker; written[name + '[' + k[0] + ']'] = 'written'; }
      catch (e) { written[name + '[' + k[0] + ']'] = e.name; }` : ''}
    });
  });
  ${writes ? `if (args.marker !== undefined) { /(\\w+)/.exec('x ' + args.marker); try { RegExp.input = args.marker; } catch (e) {} }` : ''}
  return { seen: seen, written: written };
};`;
}

it('pairs: what one call writes on a shared place, the next call does not read', async () => {
  await createOk(server, 'walker_pair_calls', pairTool(true), { language: 'javascript' });
  const marker = secretToken('MARK');
  const wrote = await runOk<{ seen: string[]; written: Record<string, string> }>(server, 'walker_pair_calls', { marker });
  // A retry (vitest's retry: 1) recreates the tool under the same name, and so in the same
  // realm (isolates are keyed by persona and tool name): on a leaky realm it sees the first try's.
  expect(wrote.seen, 'nothing there before the first write').toEqual([]);
  const before = server.transcript().length;
  const read = await runOk<{ seen: string[] }>(server, 'walker_pair_calls', {});
  expect(read.seen, `written by call 1: ${JSON.stringify(wrote.written)}`).toEqual([]);
  expect(server.transcript().slice(before).includes(marker), 'marker in a later response').toBe(false);
  await expectContained(server, { tool: 'walker_pair_calls' });
});

it('pairs: what version 1 writes on a shared place, version 2 does not read', async () => {
  await createOk(server, 'walker_pair_versions', pairTool(true), { language: 'javascript' });
  const marker = secretToken('MARK');
  const wrote = await runOk<{ written: Record<string, string> }>(server, 'walker_pair_versions', { marker });
  const updated = await server.call('update_tool', { name: 'walker_pair_versions', code: pairTool(false) });
  expect(updated.isError, textOf(updated)).toBeFalsy();
  // After the update's answer, which quotes the regression gate's replay of call 1 as logged.
  const before = server.transcript().length;
  const read = await runOk<{ seen: string[] }>(server, 'walker_pair_versions', {});
  expect(read.seen, `written by version 1: ${JSON.stringify(wrote.written)}`).toEqual([]);
  expect(server.transcript().slice(before).includes(marker), 'marker in a later response').toBe(false);
  await expectContained(server, { tool: 'walker_pair_versions' });
});

/**
 * The realm the sandbox builds (src/sandbox-host/worker/isolate-cache.ts buildRealm: a new
 * isolate and context, the host's callbacks, the prelude, its host-only hook deleted, then lockdown), here with the
 * pre-fix lockdown kept as a fixture instead of today's dist/sandbox/lockdown.js.
 */
async function walkRealmLockedDownBy(lockdownFile: string): Promise<WalkReport> {
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  try {
    const context = await isolate.createContext();
    await installRealmHooks(context);
    const run = async (source: string, filename: string): Promise<unknown> => (await isolate.compileScript(source, { filename })).run(context, { timeout: 5_000 });
    await run(fs.readFileSync(path.join(ROOT, 'dist/sandbox/prelude.js'), 'utf8'), 'chameleon-prelude.js');
    await context.global.delete('__chameleon_settle');
    await run(fs.readFileSync(lockdownFile, 'utf8'), 'chameleon-lockdown.js');
    // A string crosses back, never a guest object (../shared/NOTES.md).
    return JSON.parse((await run(`JSON.stringify(${REALM_WALKER_SOURCE}([]))`, 'realm-walker.js')) as string) as WalkReport;
  } finally {
    isolate.dispose();
  }
}

it('walker: reports the functions behind override accessors in a realm locked down the pre-fix way', async () => {
  const report = await walkRealmLockedDownBy(path.join(ROOT, 'test/fixtures/lockdown-before-allowlist.js'));
  expect(report.notMade).toEqual([]);
  expect(report.visited).toBeGreaterThan(VISITED_FLOOR);
  expect(report.unfrozen).toEqual(
    expect.arrayContaining([
      'globalThis.Array.prototype.push<get>()',
      'globalThis.Object.prototype.hasOwnProperty<get>()',
      'globalThis.Promise.prototype.then<get>()',
      'globalThis.Error.prototype.toString<get>()',
    ]),
  );
  // That lockdown froze everything else it reached: what is open is exactly what its getters hide.
  expect(report.unfrozen.filter((p) => !p.endsWith('<get>()'))).toEqual([]);
  // No server in this test: the realm is built here, so there is nothing for expectContained to check.
});
