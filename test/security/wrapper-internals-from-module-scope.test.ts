/**
 * Integrity: valid code that pokes at the host's wrapper from inside: the wrapper function's
 * `arguments` (only module, exports, require and the throw-site recorder, which is frozen,
 * has no prototype to hang state on, and only hands back what it is given), its `this`, `arguments.callee.caller` (the
 * prelude's entry, if reachable, would run other modules with forged call metadata), a
 * top-level `return` that leaves the wrapper early, and the prelude's two globals:
 * `__chameleon_bind` (re-entered to run a forged module with a forged persona, swapping the
 * console buffer) and `__chameleon_console`. None of it may reach host objects, another
 * persona, or the log of any call but this one.
 *
 * Tool code compiles strict (issue 13): `arguments.callee` and `.caller` of the module body
 * now throw or read null, so the climb to the prelude's entry starts nowhere; kept, and
 * asserted, as the record of the attack.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { createOk } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const PROBE = `
var report = {};
report.argumentCount = arguments.length;
report.argumentTypes = Array.prototype.map.call(arguments, function (a) { return typeof a; });
report.thisIsExports = this === exports;
report.recorder = (function (r) {
  try { r.x = 1; } catch (e) { /* frozen */ }
  return { frozen: Object.isFrozen(r), prototype: typeof r.prototype, kept: r.x === undefined, returns: r(7) === 7 };
})(arguments[3]);
var outer;
try { outer = arguments.callee; } catch (e) { outer = e.name; }
report.wrapper = typeof outer === 'function' ? 'REACHED' : outer;
// A sloppy function (Function's code is sloppy) called from module scope would see the wrapper
// as its caller, and climb from there to the prelude's entry: V8 hides a strict caller.
report.sloppyInnerCaller = Function('return arguments.callee.caller')();
report.hostish = ['ivm', 'process', 'require_', '_host', 'Reference', 'ExternalCopy'].filter(function (k) { return k in globalThis; });
module.exports = function handler(args, ctx) {
  report.handlerCaller = (function () { try { return handler.caller === null ? null : typeof handler.caller; } catch (e) { return e.name; } })();
  console.log('own line before');
  var nested = {};
  try {
    var entry = __chameleon_bind(function (m) { m.exports = function (a, c) { console.log('forged module ran as ' + c.persona); return { persona: c.persona }; }; });
    var promise = entry('{}', JSON.stringify({ persona: 'other', tool: { name: 'victim', version: 1 }, executionId: 'ex_forged', maxResultChars: 1000, maxConsoleChars: 1000 }));
    nested.type = typeof promise;
    return promise.then(function (envelope) {
      nested.envelope = envelope;
      console.log('own line after');
      return { report: report, nested: nested, persona: ctx.persona, printed: __chameleon_console() };
    });
  } catch (e) {
    nested.error = e.name;
    return { report: report, nested: nested, persona: ctx.persona };
  }
};`;

it('the wrapper and the prelude entry points give a tool nothing beyond its own call', async () => {
  await createOk(server, 'wrapper_probe', PROBE, { language: 'javascript' });
  const out = await server.call('wrapper_probe', {});
  expect(out.isError, textOf(out)).toBeFalsy();
  const result = (out.structuredContent as { result: Record<string, any> }).result;
  expect(result['report']).toEqual({
    argumentCount: 4,
    argumentTypes: ['object', 'object', 'function', 'function'],
    thisIsExports: true,
    recorder: { frozen: true, prototype: 'undefined', kept: true, returns: true },
    wrapper: 'TypeError',
    sloppyInnerCaller: null,
    // A strict function has no caller of its own, and lockdown removed Function.prototype's.
    handlerCaller: 'undefined',
    hostish: [],
  });
  // Re-entering the prelude runs guest code as guest code: the "other" persona exists only in
  // the forged metadata it was handed, and the real call is still this persona's.
  expect(result['persona']).toBe('default');
  if (result['nested'].envelope) expect(JSON.parse(result['nested'].envelope)).toMatchObject({ ok: true, result: { persona: 'other' } });
  // The forged module's console line is nowhere in the host's record of this call, and no row
  // was logged for a tool or persona the forgery named.
  const row = await server.call('get_execution', { id: (out.structuredContent as { execution_id: string }).execution_id });
  expect((row.structuredContent as { persona: string; tool: string }).persona).toBe('default');
  expect((row.structuredContent as { console: string }).console).not.toContain('forged module ran');
  const all = await server.call('list_executions', {});
  expect(JSON.stringify(all.structuredContent)).not.toContain('victim');
  expect(JSON.stringify(all.structuredContent)).not.toContain('ex_forged');

  // A top-level return leaves the wrapper early: no export, a clear load error, nothing saved.
  const early = await server.call('create_tool', { name: 'early_return', description: 'x', language: 'javascript', code: 'return;\nmodule.exports = () => 1;' });
  expect(early.isError).toBe(true);
  expect(textOf(early)).toMatch(/default export/);
  await expectContained(server, { tool: 'wrapper_probe' });
});
