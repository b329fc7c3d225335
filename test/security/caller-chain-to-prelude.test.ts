/**
 * Attack: walk up the call stack with the legacy `caller`/`arguments` properties to reach the
 * prelude's functions — the per-version entry that the host holds a Reference to, with the
 * call's argsJson/metaJson in its `arguments` — and through them state shared between calls.
 * The prelude is strict code, so every climb must stop at null or undefined, never at a
 * prelude function. The guest's module was sloppy code, where the climbs start; it compiles
 * strict now (issue 13), so they throw in the module's own functions, and the only sloppy
 * code left, Function's, sees null for every strict caller. Kept as the record of the attack.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
const climb = (f: () => unknown): string => { try { return describe(f()); } catch (e: any) { return e.constructor.name; } };
const moduleCaller = climb(function () { return (arguments.callee as any).caller; });
// ...and who called the module wrapper? (It is running while the module body runs.)
const wrapperCaller = climb(function () { return (arguments.callee as any).caller?.caller; });
// The sloppy way round: Function's code is sloppy wherever it is called.
const sloppyClimb = Function('return arguments.callee.caller');
const sloppyModuleCaller = climb(() => sloppyClimb());
function describe(f: any): string {
  if (f === null) return 'null';
  if (f === undefined) return 'undefined';
  return 'FUNCTION ' + String(f.name);
}
export default function handler(args: any, ctx: any) {
  const r: Record<string, string> = {};
  const tryIt = (name: string, f: () => unknown) => { try { r[name] = describe(f()); } catch (e: any) { r[name] = e.constructor.name; } };
  tryIt('handler.caller', () => (handler as any).caller);
  tryIt('callee.caller', () => (arguments.callee as any).caller);
  r['moduleBody.caller'] = moduleCaller;
  r['wrapper.caller'] = wrapperCaller;
  r['sloppy.moduleBody.caller'] = sloppyModuleCaller;
  tryIt('sloppy.handler.caller', () => sloppyClimb());
  tryIt('ctx.log.caller', () => (ctx.log as any).caller);
  tryIt('ctx.log.arguments', () => (ctx.log as any).arguments);
  // From inside a callback the prelude makes (a Proxy's trap while ctx.log renders it): who is calling?
  let fromLog = 'not called';
  ctx.log(new Proxy({}, { ownKeys: function ownKeys(t: object) { fromLog = describe((ownKeys as any).caller); return Reflect.ownKeys(t); } }));
  r.fromLog = fromLog;
  let sloppyFromLog = 'not called';
  const sloppyTrap = Function('report', 'return function ownKeys(t) { report(ownKeys.caller); return Reflect.ownKeys(t); }');
  ctx.log(new Proxy({}, { ownKeys: sloppyTrap((c: unknown) => { sloppyFromLog = describe(c); }) }));
  r['sloppy.fromLog'] = sloppyFromLog;
  r.ownArguments = String(arguments.length);
  return r;
}
`;

it('caller/arguments climbs from guest code stop before the prelude', async () => {
  const report = await attackResult<Record<string, string>>(server, 'caller_chain', code);
  expect(report).toEqual({
    // Strict guest code: no caller of its own, no arguments.callee.
    'handler.caller': 'undefined',
    'callee.caller': 'TypeError',
    'moduleBody.caller': 'TypeError',
    'wrapper.caller': 'TypeError',
    // Sloppy code made with Function: V8 hides its strict callers (module body, handler).
    'sloppy.moduleBody.caller': 'null',
    'sloppy.handler.caller': 'null',
    // A strict function has no caller/arguments of its own, and the ones Function.prototype
    // had are not on the allow-list (SES's permits): lockdown removed them.
    'ctx.log.caller': 'undefined',
    'ctx.log.arguments': 'undefined',
    // The guest's trap is strict (undefined); a sloppy one sees no caller (null).
    fromLog: 'undefined',
    'sloppy.fromLog': 'null',
    ownArguments: '2',
  });
  await expectContained(server, { tool: 'caller_chain' });
});
