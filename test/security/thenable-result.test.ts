/**
 * Attack: return a thenable instead of a value. The prelude awaits it, so its `then` runs
 * with the prelude's resolving functions; the attack tries to make that `then` run where the
 * host is — by resolving with another thenable, resolving twice, throwing after resolving,
 * resolving with a value that is itself a thenable Proxy — and to see whom it is called by.
 * All of it must happen inside the isolate, during the call: the host gets plain JSON.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default (_a: unknown, ctx: any) => {
  const calls: string[] = [];
  const where = () => {
    const s = String(new Error().stack);
    return { process: typeof (globalThis as any).process, frozen: Object.isFrozen(globalThis), hostFrame: /(node:|file:|\\/work\\/|dist\\/)/.test(s) };
  };
  const innermost = new Proxy({ then: undefined, level: 3 } as any, {
    get(t, k) { calls.push('proxy.get ' + String(k)); return t[k]; },
  });
  const inner = {
    then(resolve: any) {
      calls.push('inner.then');
      resolve(innermost);
    },
  };
  return {
    then(resolve: any, reject: any) {
      calls.push('outer.then');
      const w = where();
      ctx.log(JSON.stringify(w));
      resolve(inner);
      resolve({ second: true });
      reject(new Error('after resolve'));
      throw new Error('thrown after resolving');
    },
  };
};
`;

it('a thenable result is settled inside the isolate, once, and the host gets plain JSON', async () => {
  const created = await server.createTool('thenable_result', code);
  expect(created.isError).toBeFalsy();
  const out = await server.call('thenable_result', {});
  const structured = out.structuredContent as { status: string; result: unknown; console: string };
  expect(structured.status).toBe('SUCCESS');
  // The first resolution wins, through two levels of thenables, and ends in the Proxy's target
  // as plain data (its `then` read as undefined, so it is a value, not a thenable).
  expect(structured.result).toEqual({ level: 3 });
  // The then ran inside the isolate: no process, frozen global, no host frame on the stack.
  expect(JSON.parse(structured.console)).toEqual({ process: 'undefined', frozen: true, hostFrame: false });
  await expectContained(server, { tool: 'thenable_result' });
});
