/**
 * Attack: `require` is the one function the host side of Chameleon hands to a module (the
 * prelude's stub). Call it, catch what it throws, and climb from the stub and from the error
 * (and the error's stack text) towards the host: a host-made error would carry the host's
 * Function and host stack frames with absolute paths.
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
export default () => {
  const report: Record<string, any> = {};
  for (const id of ['fs', 'node:child_process', 'isolated-vm', '../../dist/cli.js', 'process']) {
    try {
      require(id);
      report[id] = 'LOADED';
    } catch (e: any) {
      const F = e.constructor.constructor;
      const g = F('return this')();
      report[id] = {
        ownError: e instanceof Error && e.constructor === Error && Object.getPrototypeOf(e) === Error.prototype,
        ownFunction: F === Function && g === globalThis && typeof g.process === 'undefined',
        message: e.message,
        stack: e.stack,
      };
    }
  }
  const G = require.constructor('return this')();
  report.stub = { ownFunction: require.constructor === Function, ownGlobal: G === globalThis, notNative: !/native code/.test(Function.prototype.toString.call(require)) };
  // A non-string id goes through the same stub.
  try { require({ toString() { return 'x'; } }); } catch (e: any) { report.objectId = e.message; }
  return report;
};
`;

it('the require stub is isolate code and its errors carry only isolate frames', async () => {
  const report = await attackResult<Record<string, any>>(server, 'ctor_chain_require', code);
  for (const id of ['fs', 'node:child_process', 'isolated-vm', '../../dist/cli.js', 'process']) {
    const seen = report[id] as { ownError: boolean; ownFunction: boolean; message: string; stack: string };
    expect(seen.ownError, id).toBe(true);
    expect(seen.ownFunction, id).toBe(true);
    expect(seen.message).toBe(`require(${JSON.stringify(id)}) is not available: Chameleon tools run in a sandbox without modules. Inline the code you need.`);
    // The stack names the prelude and the tool's virtual file, nothing of the host. (The ids
    // themselves echo what the tool passed, so strip the message line before looking.)
    expectNoHostLeak(server, seen.stack.split('\n').slice(1).join('\n'), `stack of require(${id})`);
    expect(seen.stack).toMatch(/at requireStub \(chameleon-prelude\.js:\d+:\d+\)/);
    expect(seen.stack).toMatch(/chameleon\/default\/ctor_chain_require@1\.js:\d+:\d+/);
  }
  expect(report.stub).toEqual({ ownFunction: true, ownGlobal: true, notNative: true });
  expect(report.objectId).toMatch(/^require\("x"\) is not available/);
  await expectContained(server, { tool: 'ctor_chain_require' });
});
