/**
 * Attack: walk up the call stack with the legacy `caller`/`arguments` properties (the guest's
 * module is sloppy code, where they work) to reach the prelude's functions — the per-version
 * entry that the host holds a Reference to, with the call's argsJson/metaJson in its
 * `arguments` — and through them state shared between calls. The prelude is strict code, so
 * every climb must stop at null or undefined, never at a prelude function.
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
const moduleCaller = (function () { return (arguments.callee as any).caller; })();
// ...and who called the module wrapper? (It is running while the module body runs.)
const wrapperCaller = (function () { return (arguments.callee as any).caller?.caller; })();
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
  tryIt('moduleBody.caller', () => moduleCaller);
  // The module wrapper is the guest's own (frozen) function; its caller is the prelude.
  tryIt('wrapper.caller', () => wrapperCaller);
  tryIt('ctx.log.caller', () => (ctx.log as any).caller);
  tryIt('ctx.log.arguments', () => (ctx.log as any).arguments);
  // From inside a callback the prelude makes (toJSON during ctx.log): who is calling?
  let fromLog = 'not called';
  ctx.log({ toJSON: function toJSON() { fromLog = describe((toJSON as any).caller); return 1; } });
  r.fromLog = fromLog;
  r.ownArguments = String(arguments.length);
  return r;
}
`;

it('caller/arguments climbs from sloppy guest code stop before the prelude', async () => {
  const report = await attackResult<Record<string, string>>(server, 'caller_chain', code);
  expect(report).toEqual({
    'handler.caller': 'null',
    'callee.caller': 'null',
    // The module body's caller is the wrapper around the agent's own code: guest code, frozen.
    'moduleBody.caller': 'FUNCTION __chameleon_module',
    'wrapper.caller': 'null',
    // A strict function has no caller/arguments of its own, and the ones Function.prototype
    // had are not on the allow-list (SES's permits): lockdown removed them.
    'ctx.log.caller': 'undefined',
    'ctx.log.arguments': 'undefined',
    fromLog: 'null',
    ownArguments: '2',
  });
  await expectContained(server, { tool: 'caller_chain' });
});
