/**
 * Attack: Error.captureStackTrace with hostile targets — a Proxy (to catch the stack as it
 * is defined, or the formatter's reads), a frozen object, an object with a `stack` setter, a
 * function — and with the prelude's own functions as the frame to hide behind (ctx.log,
 * console.log, require), to make V8 reveal frames or receivers it would not otherwise show.
 * Whatever is captured must be default-format text naming only the isolate's scripts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult, expectNoHostLeak } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
declare const require: any;
export default (_a: unknown, ctx: any) => {
  const out: Record<string, any> = {};
  const capture = (name: string, target: any, hide?: any) => {
    try { Error.captureStackTrace(target, hide); out[name] = typeof target.stack === 'string' ? target.stack : 'no string stack: ' + typeof target.stack; }
    catch (e: any) { out[name] = 'threw ' + e.constructor.name; }
  };
  const trapLog: string[] = [];
  const proxy = new Proxy({}, {
    defineProperty(t, k, d) { trapLog.push('define ' + String(k) + ' ' + Object.keys(d).join(',')); return Reflect.defineProperty(t, k, d); },
    get(t, k, r) { trapLog.push('get ' + String(k)); return Reflect.get(t, k, r); },
    getOwnPropertyDescriptor(t, k) { trapLog.push('gopd ' + String(k)); return Reflect.getOwnPropertyDescriptor(t, k); },
  });
  capture('proxy', proxy);
  capture('frozen', Object.freeze({}));
  let setterCalls = 0;
  capture('setter', { set stack(_v: unknown) { setterCalls++; } });
  capture('function', function f() {});
  capture('hideCtxLog', {}, ctx.log);
  capture('hideConsole', {}, console.log);
  capture('hideRequire', {}, require);
  capture('hideUnrelated', {}, () => 0);
  // ctx.log renders its arguments, calling back into guest code (a Proxy's traps): capture a stack from inside it.
  let fromInsideLog = '';
  ctx.log(new Proxy({}, { ownKeys(t: object) { const o: any = {}; Error.captureStackTrace(o); fromInsideLog = o.stack; return Reflect.ownKeys(t); } }));
  out.fromInsideLog = fromInsideLog;
  out.trapLog = trapLog;
  out.setterCalls = setterCalls;
  return out;
};
`;

it('captureStackTrace on hostile targets shows only isolate frames and hands out no objects', async () => {
  const out = await attackResult<Record<string, any>>(server, 'capture_stack_hostile', code);
  // Frozen and accessor targets are refused or shadowed; a Proxy sees a plain data definition
  // (only strings, no CallSites) or is refused outright.
  expect(out.frozen).toBe('threw TypeError');
  expect(out.setterCalls).toBe(0);
  for (const entry of out.trapLog as string[]) expect(entry).toMatch(/^(define stack (value,writable,enumerable,configurable|[a-z,]*)|get stack|gopd stack)$/);
  for (const key of ['proxy', 'setter', 'function', 'hideCtxLog', 'hideConsole', 'hideRequire', 'hideUnrelated', 'fromInsideLog']) {
    expect(typeof out[key], key).toBe('string');
    expectNoHostLeak(server, out[key] as string, `captured stack (${key})`);
  }
  // Hiding behind a function that is not on the stack hides everything; it reveals nothing more.
  expect(out.hideUnrelated).toBe('Error');
  // From inside ctx.log the stack shows the prelude's console code and the tool, nothing else.
  expect(out.fromInsideLog).toMatch(/chameleon-prelude\.js/);
  await expectContained(server, { tool: 'capture_stack_hostile' });
});
