/**
 * Persistence: the host wraps a tool's compiled code in ONE function per version and calls it
 * again on every call, so that function object (`arguments.callee` at module scope), its
 * `prototype`, its `caller` and the `module`/`exports` objects it is given would be ideal
 * places to leave the secret of one call for the next. Module-scope variables must start
 * fresh too (the module body is evaluated again per call).
 *
 * Since tools compile to strict code (issue 13), the factory cannot be reached at all:
 * `arguments.callee` throws a TypeError in the module body, and a sloppy function made with
 * `Function` sees a null `caller` when the strict wrapper calls it. This file stays as the
 * record of the attack, and checks that both ways are shut.
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
var factory;
try { factory = arguments.callee; } catch (e) { factory = e.name; }
// The sloppy way round: Function's code is sloppy, but V8 hides a strict caller (null).
var sloppyCaller = Function('return arguments.callee.caller')();
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
  return { token: args.token, seen: seen, planted: planted, factory: typeof factory === 'function' ? 'REACHED' : factory, sloppyCaller: sloppyCaller };
};`;

it('the module wrapper function cannot be reached, and carries nothing from one call to the next', async () => {
  await createOk(server, 'factory_stash', TOOL, { language: 'javascript' });
  const calls = await expectNoCarryOver(server, 'factory_stash');
  // Strict module code: no factory to plant on (every attempt on it is a TypeError).
  expect(calls[0]!.result).toMatchObject({ factory: 'TypeError', sloppyCaller: null, planted: { callee: 'TypeError', calleeAssign: 'TypeError', prototype: 'TypeError' } });
  await expectContained(server, { tool: 'factory_stash' });
});
