/**
 * Persistence: a call stores its secret argument in a global variable (property assignment,
 * sloppy-mode implicit global, `var` through indirect eval, defineProperty, `with`-less tricks)
 * for a later call of the same tool to read. Every call of a tool runs in one hardened context,
 * so this only fails if the global object is really frozen.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk, expectNoCarryOver } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

// JavaScript. Tool code is strict (issue 13), so `stashImplicit = ...` throws a ReferenceError;
// sloppy code, through indirect eval, still tries the implicit global (`sloppyImplicit`).
const TOOL = `
module.exports = function (args) {
  const g = globalThis;
  const seen = [];
  const look = (name, read) => { try { const v = read(); if (v !== undefined) seen.push(name + '=' + String(v)); } catch (e) {} };
  look('globalThis.stash', () => g.stash);
  look('implicit', () => (typeof stashImplicit === 'undefined' ? undefined : stashImplicit));
  look('sloppyImplicit', () => (typeof stashSloppy === 'undefined' ? undefined : stashSloppy));
  look('evalVar', () => (0, eval)('typeof stashVar === "undefined" ? undefined : stashVar'));
  look('defined', () => Object.getOwnPropertyDescriptor(g, 'stashDefined')?.value);
  look('symbolKey', () => g[Symbol.for('stash')]);
  look('newGlobals', () => { const extra = Object.getOwnPropertyNames(g).filter((k) => k.startsWith('stash')); return extra.length ? extra.join(',') : undefined; });

  const planted = {};
  const plant = (name, fn) => { try { fn(); planted[name] = 'no error'; } catch (e) { planted[name] = e.name; } };
  plant('assign', () => { g.stash = args.token; });
  plant('implicit', () => { stashImplicit = args.token; });
  plant('sloppyImplicit', () => { (0, eval)('stashSloppy = ' + JSON.stringify(args.token)); });
  plant('evalVar', () => { (0, eval)('var stashVar = ' + JSON.stringify(args.token)); });
  plant('defineProperty', () => { Object.defineProperty(g, 'stashDefined', { value: args.token, configurable: true }); });
  plant('symbolKey', () => { g[Symbol.for('stash')] = args.token; });
  plant('functionDecl', () => { (0, eval)('function stashFn() { return ' + JSON.stringify(args.token) + '; }'); });
  // Even within this call, nothing stuck: the global object is frozen, not just reset.
  look('sameCall', () => g.stash ?? g.stashDefined ?? g.stashVar);
  return { token: args.token, seen, planted };
};`;

it('a global planted by one call is not there for the next call of the same tool', async () => {
  await createOk(server, 'global_stash', TOOL, { language: 'javascript' });
  const calls = await expectNoCarryOver(server, 'global_stash');
  // The writes that can throw do throw (so the attempt really was made against a frozen global).
  expect(calls[0]!.result['planted']).toMatchObject({ implicit: 'ReferenceError', defineProperty: 'TypeError', evalVar: 'TypeError', functionDecl: 'TypeError' });
  await expectContained(server, { tool: 'global_stash' });
});
