import { afterEach, expect, it } from 'vitest';
import { startSandboxEarly } from '../../src/sandbox-host/early-start.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// `chameleon serve` starts its first sandbox process before it loads the server
// (src/sandbox-host/early-start.ts); the engine's pool adopts it, or replaces it.
let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.close();
  engine = null;
});

function exited(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

it('adopts the process started early as its first, and sends it its settings', async () => {
  const early = startSandboxEarly({});
  engine = await startEngine({ limits: { defaultMemoryMb: 32 } });
  expect(engine.app.sandboxPids()).toEqual([early.pid]);
  const scope = engine.app.forPersona('default');
  expect((await scope.createTool({ name: 'adopted', description: 'runs in the early process', code: 'export default () => 42;' })).ok).toBe(true);
  expect(await scope.runTool('adopted', {})).toMatchObject({ ok: true, result: 42 });
  expect(engine.app.sandboxPids()).toEqual([early.pid]);
});

it('replaces a process started early with another environment', async () => {
  const early = startSandboxEarly({ CHAMELEON_CANARY: 'not-what-the-engine-asks-for' });
  engine = await startEngine();
  expect(engine.app.sandboxPids()).not.toContain(early.pid);
  const scope = engine.app.forPersona('default');
  expect((await scope.createTool({ name: 'fresh', description: 'runs in a normal process', code: 'export default () => 7;' })).ok).toBe(true);
  expect(await scope.runTool('fresh', {})).toMatchObject({ ok: true, result: 7 });
  const deadline = Date.now() + 5_000;
  while (!exited(early.pid!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(exited(early.pid!)).toBe(true);
});
