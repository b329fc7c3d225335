/**
 * Attack: turn what the host passes in into traps — redefine ctx's fields as getters, swap
 * its prototype for a Proxy, wrap args in a Proxy and hang getters/toJSON on it, mutate args
 * in place — hoping the host (or the prelude on the host's behalf) reads them back later,
 * outside the call, and so runs guest code outside the CPU limit or logs what the guest
 * chose. ctx is frozen; args are the isolate's own parsed copy that nothing reads back; the
 * log keeps the arguments as the agent sent them.
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
export default (args: any, ctx: any) => {
  'use strict';
  const tries: Record<string, string> = {};
  const attempt = (name: string, f: () => unknown) => {
    try { const r = f(); tries[name] = r === false ? 'refused' : 'TOOK EFFECT'; } catch (e: any) { tries[name] = e.constructor.name; }
  };
  attempt('ctxGetter', () => Object.defineProperty(ctx, 'executionId', { get() { return 'forged'; } }));
  attempt('ctxProto', () => Object.setPrototypeOf(ctx, new Proxy({}, {})));
  attempt('ctxNewKey', () => { ctx.extra = 1; });
  attempt('ctxToolVersion', () => { ctx.tool.version = 99; });
  attempt('ctxLogProp', () => { ctx.log.hook = () => 0; return true; });
  attempt('reflectSet', () => Reflect.set(ctx, 'persona', 'someone_else'));
  // args are the tool's own copy: it may do what it likes with them...
  args.secret = 'rewritten';
  Object.defineProperty(args, 'n', { get() { throw new Error('host read args.n'); }, enumerable: true });
  (args as any).toJSON = () => { throw new Error('host serialised args'); };
  Object.setPrototypeOf(args, new Proxy({}, { get() { throw new Error('host walked the prototype of args'); } }));
  // ...and the result carries traps that would fire if anyone read the objects later.
  return {
    tries,
    ctx: { persona: ctx.persona, tool: ctx.tool, executionId: typeof ctx.executionId, frozen: Object.isFrozen(ctx) },
  };
};
`;

it('ctx is frozen and args are never read back: the log keeps what the agent sent', async () => {
  const report = await attackResult<{ tries: Record<string, string>; ctx: Record<string, unknown> }>(server, 'traps_on_args_ctx', code, { n: 5, secret: 'original' });
  expect(report.tries).toEqual({
    ctxGetter: 'TypeError',
    ctxProto: 'TypeError',
    ctxNewKey: 'TypeError',
    ctxToolVersion: 'TypeError',
    // ctx.log is a fresh function per call: a property on it dies with the call.
    ctxLogProp: 'TOOK EFFECT',
    reflectSet: 'refused',
  });
  expect(report.ctx).toEqual({ persona: 'default', tool: { name: 'traps_on_args_ctx', version: 1 }, executionId: 'string', frozen: true });

  // The execution log has the arguments as sent, not as the tool left them.
  const listed = await server.call('list_executions', { tool_name: 'traps_on_args_ctx', limit: 1 });
  const row = ((listed.structuredContent ?? {}) as { executions?: Array<{ execution_id: string }> }).executions?.[0];
  expect(row).toBeDefined();
  const full = await server.call('get_execution', { id: row!.execution_id });
  const text = JSON.stringify(full.structuredContent);
  expect(text).toContain('"secret":"original"');
  expect(text).not.toContain('rewritten');
  expect(text).not.toMatch(/host (read|serialised|walked)/);
  await expectContained(server, { tool: 'traps_on_args_ctx' });
});
