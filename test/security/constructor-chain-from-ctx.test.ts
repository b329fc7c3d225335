/**
 * Attack: climb from `ctx` and everything on it (ctx.log, ctx.tool, the strings) through
 * `.constructor.constructor` to a Function constructor, and use it to fetch "the" global
 * object. If any of them were a host object or a host function, that Function would be the
 * host's, and `return this` would give a global with `process` on it.
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
export default (_args: any, ctx: any) => {
  const starts: Record<string, any> = {
    ctx, 'ctx.log': ctx.log, 'ctx.tool': ctx.tool, 'ctx.persona': ctx.persona, 'ctx.executionId': ctx.executionId,
    'ctx.tool.version': ctx.tool.version, 'ctx.log.prototype': ctx.log.prototype,
    'ctx.log.bind': ctx.log.bind, 'proto of ctx': Object.getPrototypeOf(ctx),
  };
  const report: Record<string, any> = {};
  for (const [name, start] of Object.entries(starts)) {
    if (start === undefined || start === null) { report[name] = String(start); continue; }
    const F = Object(start).constructor.constructor;
    const g = F('return this')();
    report[name] = {
      ownFunction: F === Function,
      ownGlobal: g === globalThis,
      frozenGlobal: Object.isFrozen(g),
      process: typeof g.process,
      require: typeof g.require,
      hostHandle: ['ivm', '_ivm', 'Reference', 'ExternalCopy', 'chameleonCanary'].filter((n) => n in g),
    };
  }
  // ctx itself is frozen: nothing can be swapped into it for a later read by the prelude.
  let replaced = 'no';
  try { ctx.log = () => 0; replaced = 'silently ignored'; } catch (e: any) { replaced = e.constructor === TypeError ? 'TypeError' : 'other'; }
  report.frozenCtx = Object.isFrozen(ctx) && Object.isFrozen(ctx.tool);
  report.replaceLog = replaced;
  report.logIsPreludeCode = !/native code/.test(Function.prototype.toString.call(ctx.log));
  return report;
};
`;

it("every constructor chain from ctx ends at the isolate's own Function and frozen global", async () => {
  const report = await attackResult(server, 'ctor_chain_ctx', code);
  const safe = { ownFunction: true, ownGlobal: true, frozenGlobal: true, process: 'undefined', require: 'undefined', hostHandle: [] };
  for (const start of ['ctx', 'ctx.log', 'ctx.tool', 'ctx.persona', 'ctx.executionId', 'ctx.tool.version', 'ctx.log.bind', 'proto of ctx']) {
    expect(report[start], start).toEqual(safe);
  }
  // An arrow function has no prototype: nothing to climb there.
  expect(report['ctx.log.prototype']).toBe('undefined');
  expect(report.frozenCtx).toBe(true);
  // The handler's module is strict code, so the write throws (it was ignored while tools
  // compiled sloppy); either way ctx.log stays.
  expect(report.replaceLog).toBe('TypeError');
  // ctx.log is prelude JavaScript in the isolate, not a native host callback.
  expect(report.logIsPreludeCode).toBe(true);
  await expectContained(server, { tool: 'ctor_chain_ctx' });
});
