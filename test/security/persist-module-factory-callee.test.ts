/**
 * Persistence: the host wraps a tool's compiled code in ONE function per version and calls it
 * again on every call, so that function object (`arguments.callee` at module scope), its
 * `prototype`, its `caller` and the `module`/`exports` objects it is given would be ideal
 * places to leave the secret of one call for the next. Module-scope variables must start
 * fresh too (the module body is evaluated again per call).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk, expectNoCarryOver } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

// JavaScript, written as CommonJS: module scope is the wrapper function's own body.
const TOOL = `
var factory = arguments.callee;
var moduleScoped = [];
var seen = [];
var look = function (name, read) { try { var v = read(); if (v !== undefined && v !== null) seen.push(name + '=' + String(v)); } catch (e) {} };
look('callee.stash', function () { return factory.stash; });
look('callee.prototype.stash', function () { return factory.prototype && factory.prototype.stash; });
look('callee.caller', function () { return factory.caller && 'reachable: ' + typeof factory.caller; });
look('module.stash', function () { return Object.getPrototypeOf(module).stash; });
look('exports.stash', function () { return Object.getPrototypeOf(exports).stash; });
look('moduleScoped', function () { return moduleScoped.length ? moduleScoped.join(',') : undefined; });

module.exports = function (args) {
  var planted = {};
  var attempt = function (name, fn) { try { fn(); planted[name] = 'no error'; } catch (e) { planted[name] = e.name; } };
  attempt('callee', function () { Object.defineProperty(factory, 'stash', { value: args.token }); });
  attempt('calleeAssign', function () { factory.stash = args.token; });
  attempt('prototype', function () { Object.defineProperty(factory.prototype, 'stash', { value: args.token }); });
  attempt('moduleProto', function () { Object.getPrototypeOf(module).stash = args.token; });
  moduleScoped.push(args.token);
  return { token: args.token, seen: seen, planted: planted, frozen: Object.isFrozen(factory) };
};`;

it('the module wrapper function carries nothing from one call to the next', async () => {
  await createOk(server, 'factory_stash', TOOL, { language: 'javascript' });
  const calls = await expectNoCarryOver(server, 'factory_stash');
  expect(calls[0]!.result).toMatchObject({ frozen: true, planted: { callee: 'TypeError', prototype: 'TypeError' } });
  await expectContained(server, { tool: 'factory_stash' });
});
