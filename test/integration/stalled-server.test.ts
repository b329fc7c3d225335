import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// A server stopped (SIGSTOP, a laptop's sleep, a long GC) wakes with a call's deadline timer
// overdue and the call's answer waiting in the pipe. The answer must win: the sandbox process
// did nothing wrong, and killing it fails every other call it runs (issue 12).
let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
  expect((await scope.createTool({ name: 'quick', description: 'quick', code: 'export default (a: { n: number }) => a.n;', timeoutMs: 300 })).ok).toBe(true);
  expect(await scope.runTool('quick', { n: 0 })).toMatchObject({ ok: true, result: 0 });
});
afterAll(() => engine.close());

it('does not kill a sandbox process whose answer arrived while the server was stopped', async () => {
  const pids = engine.app.sandboxPids();
  const call = scope.runTool('quick', { n: 7 });
  // Hold this thread well past the call's deadline (300 ms + the 100 ms kill grace), as SIGSTOP
  // would; the sandbox process answers meanwhile.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_500);
  expect(await call).toMatchObject({ ok: true, result: 7 });
  // A kill would show once the process's 'close' is handled.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(engine.app.sandboxPids()).toEqual(pids);
  expect(await scope.runTool('quick', { n: 8 })).toMatchObject({ ok: true, result: 8 });
});
