/**
 * Attack: climb from promises and the functions promise machinery hands out — the executor's
 * resolve/reject, the resolving functions the prelude's own `await` passes to a thenable the
 * tool returns, an async function's promise, a rejection reason — to Function and the global.
 * The host awaits the prelude's promise through isolated-vm; if any of these functions were
 * the host's, its constructor would be the host's Function.
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
const AsyncFunction: any = (async () => {}).constructor;
function climb(start: any): boolean {
  const F = Object(start).constructor.constructor;
  const g = F('return this')();
  return F === Function && g === globalThis && Object.isFrozen(g) && typeof g.process === 'undefined';
}
export default async () => {
  const report: Record<string, boolean> = {};
  let res: any, rej: any;
  const p = new Promise((a, b) => { res = a; rej = b; });
  res(1);
  report.promise = climb(p) && Object.getPrototypeOf(p) === Promise.prototype;
  report.executorResolve = climb(res) && climb(rej);
  report.asyncPromise = climb((async () => 1)());
  report.thenResult = climb(Promise.resolve().then(() => 0));
  const reason: any = await Promise.reject(new TypeError('r')).catch((e) => e);
  report.rejectionReason = climb(reason) && reason.constructor === TypeError;
  // AsyncFunction's constructor makes functions in the isolate's realm too.
  const fromAsyncCtor = await AsyncFunction('return this')();
  report.asyncFunctionCtor = AsyncFunction.constructor === Function && fromAsyncCtor === globalThis;
  // The prelude awaits what the handler returns: a thenable receives the prelude's resolving functions.
  return {
    then(resolve: any, reject: any) {
      report.preludeResolvers = climb(resolve) && climb(reject) && /native code/.test(Function.prototype.toString.call(resolve));
      report.thenReceiverIsOurs = this !== null && typeof this === 'object' && typeof (this as any).then === 'function';
      resolve(report);
    },
  };
};
`;

it('promises and the resolving functions handed to the guest belong to the isolate', async () => {
  const report = await attackResult(server, 'ctor_chain_promises', code);
  expect(report).toEqual({
    promise: true,
    executorResolve: true,
    asyncPromise: true,
    thenResult: true,
    rejectionReason: true,
    asyncFunctionCtor: true,
    preludeResolvers: true,
    thenReceiverIsOurs: true,
  });
  await expectContained(server, { tool: 'ctor_chain_promises' });
});
