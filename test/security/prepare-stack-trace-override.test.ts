/**
 * Attack: install Error.prepareStackTrace (by assignment, defineProperty, Reflect, on a
 * subclass, by replacing the global Error) to receive V8 CallSite objects — whose getThis()
 * and getFunction() hand out the functions and receivers of every frame, including the
 * prelude's and any host's — and raise Error.stackTraceLimit to see more frames. The realm is
 * frozen, so none of it may take effect: stacks keep V8's default format and no CallSite
 * ever reaches guest code.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attack, attackResult, expectNoHostLeak, lastErrorWithoutLeaks } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => {
  'use strict';
  let callSites = 0;
  const prepare = (_e: unknown, sites: unknown[]) => { callSites += sites.length; return 'PREPARED'; };
  const tries: Record<string, string> = {};
  const attempt = (name: string, f: () => unknown) => {
    try { const r = f(); tries[name] = r === false ? 'refused' : 'TOOK EFFECT'; } catch (e: any) { tries[name] = e.constructor.name; }
  };
  attempt('assign', () => { (Error as any).prepareStackTrace = prepare; });
  attempt('define', () => Object.defineProperty(Error, 'prepareStackTrace', { value: prepare }));
  attempt('reflect', () => Reflect.set(Error, 'prepareStackTrace', prepare));
  attempt('accessor', () => Object.defineProperty(Error, 'prepareStackTrace', { get: () => prepare }));
  attempt('limit', () => { (Error as any).stackTraceLimit = Infinity; });
  attempt('globalError', () => { (globalThis as any).Error = function () {}; });
  attempt('protoStack', () => Object.defineProperty(Error.prototype, 'stack', { get: () => 'x' }));
  // A subclass may carry its own prepareStackTrace: V8 only consults the realm's Error.
  class Sub extends Error {}
  (Sub as any).prepareStackTrace = prepare;
  const deep = (n: number): string => (n === 0 ? String(new Sub('deep').stack) : deep(n - 1));
  const stack = deep(30);
  return {
    tries,
    callSites,
    prepareStackTrace: typeof (Error as any).prepareStackTrace,
    stackTraceLimit: (Error as any).stackTraceLimit,
    framesShown: stack.split('\\n').filter((l) => l.trim().startsWith('at ')).length,
    firstLine: stack.split('\\n')[0],
    stack,
  };
};
`;

it('Error.prepareStackTrace and stackTraceLimit cannot be installed; no CallSite reaches the guest', async () => {
  const report = await attackResult<Record<string, any>>(server, 'prepare_stack_trace', code);
  expect(report.tries).toEqual({
    assign: 'TypeError',
    define: 'TypeError',
    reflect: 'refused',
    accessor: 'TypeError',
    limit: 'TypeError',
    globalError: 'TypeError',
    protoStack: 'TypeError',
  });
  expect(report.callSites).toBe(0);
  expect(report.prepareStackTrace).toBe('undefined');
  expect(report.stackTraceLimit).toBe(10);
  expect(report.framesShown).toBe(10);
  expect(report.firstLine).toBe('Error: deep');
  expectNoHostLeak(server, report.stack as string, 'stack');

  // The same holds for the error the prelude describes to the agent.
  const thrower = `export default () => { try { (Error as any).prepareStackTrace = () => 'PREPARED'; } catch {} throw new Error('boom'); };`;
  const out = await attack(server, 'prepare_stack_trace_throw', thrower);
  expect(out.error).toMatchObject({ kind: 'exception', name: 'Error', message: 'boom' });
  expect(out.error!.raw_stack).toMatch(/^Error: boom\n {4}at /);
  await lastErrorWithoutLeaks(server, 'prepare_stack_trace_throw');
  await expectContained(server, { tool: 'prepare_stack_trace_throw', kind: 'exception' });
});
