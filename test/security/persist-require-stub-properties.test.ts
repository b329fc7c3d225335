/**
 * Persistence: the `require` a tool's module receives is the prelude's stub (it throws a
 * helpful error). It is the SAME function object in every call of a tool (it is made once per
 * hardened context), and unlike the globals it is not reachable from the global object, so
 * lockdown's walk does not freeze it. A call that hangs its secret on `require` would leave it
 * for every later call of the tool (and every later version: they share the context).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk, expectNoCarryOver } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const TOOL = `
var seen = [];
var r = require;
try { if (r.stash !== undefined) seen.push('require.stash=' + String(r.stash)); } catch (e) {}
try { var extra = Object.getOwnPropertyNames(r).filter(function (k) { return k !== 'length' && k !== 'name'; }); if (extra.length) seen.push('require has ' + extra.join(',')); } catch (e) {}
try { if (r.cache && r.cache.kept) seen.push('require.cache.kept=' + r.cache.kept); } catch (e) {}

module.exports = function (args) {
  var planted = {};
  var attempt = function (name, fn) { try { fn(); planted[name] = 'no error'; } catch (e) { planted[name] = e.name; } };
  attempt('assign', function () { r.stash = args.token; });
  attempt('define', function () { Object.defineProperty(r, 'cache', { value: { kept: args.token }, configurable: true }); });
  return { token: args.token, seen: seen, planted: planted, frozen: Object.isFrozen(r) };
};`;

it('properties hung on the require stub by one call are not there in the next', async () => {
  await createOk(server, 'require_stash', TOOL, { language: 'javascript' });
  const calls = await expectNoCarryOver(server, 'require_stash');
  // The stub is frozen: even the planting call could not hang anything on it.
  expect(calls[0]!.result).toMatchObject({ frozen: true, planted: { define: 'TypeError' } });
  await expectContained(server, { tool: 'require_stash' });
});
