import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine({ sandbox: { processes: 1, killGraceMs: 300 } });
  scope = engine.app.forPersona('default');
  const made = await Promise.all([
    scope.createTool({ name: 'ok_tool', description: 'healthy', code: 'export default (a: { n: number }) => a.n + 1;' }),
    scope.createTool({ name: 'waits', description: 'waits', code: 'export default () => new Promise(() => {});', timeoutMs: 3_000 }),
    scope.createTool({ name: 'quick', description: 'quick', code: 'export default () => "quick";', timeoutMs: 200 }),
    scope.createTool({ name: 'huge_array', description: 'oom', code: 'export default () => new Array(1e8).fill(0).length;', memoryMb: 16 }),
  ]);
  expect(made.every((m) => m.ok)).toBe(true);
});
afterAll(() => engine.close());

async function expectHealthy(): Promise<void> {
  expect(await scope.runTool('ok_tool', { n: 1 })).toMatchObject({ ok: true, result: 2 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sandbox process supervision', () => {
  it('fails only the running call when its sandbox process is killed, then serves the next call from a new one', async () => {
    await expectHealthy();
    const [pid] = engine.app.sandboxPids();
    const running = scope.runTool('waits', {});
    await sleep(100);
    process.kill(pid!, 'SIGKILL');
    const out = await running;
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.kind).toBe('internal');
    expect(out.failure.message).toMatch(/ended unexpectedly \(signal SIGKILL\)/);
    await expectHealthy();
    expect(engine.app.sandboxPids()).not.toContain(pid);
  });

  it('kills and replaces a sandbox process that stops answering, and reports a timeout', async () => {
    await expectHealthy();
    const [pid] = engine.app.sandboxPids();
    process.kill(pid!, 'SIGSTOP'); // A wedged process: it will never answer.
    const out = await scope.runTool('quick', {});
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.kind).toBe('timeout');
    expect(out.failure.message).toMatch(/sandbox process had to be replaced/);
    expect(await scope.getExecution(out.executionId)).toMatchObject({ status: 'FAILURE', errorKind: 'timeout' });
    await expectHealthy();
  });

  it('sends a script again when the worker lost it with its disposed isolate', async () => {
    const code = 'export default async (a: { hang: boolean }) => { if (a.hang) await new Promise(() => {}); return "ok"; };';
    expect((await scope.createTool({ name: 'sometimes_hangs', description: 'hangs on request', code, timeoutMs: 200 })).ok).toBe(true);
    expect(await scope.runTool('sometimes_hangs', { hang: false })).toMatchObject({ ok: true, result: 'ok' });
    // The wall-clock deadline disposes the tool's isolate, and its compiled scripts with it.
    expect(await scope.runTool('sometimes_hangs', { hang: true })).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    expect(await scope.runTool('sometimes_hangs', { hang: false })).toMatchObject({ ok: true, result: 'ok' });
  });

  it('reports a catastrophic out-of-memory abort as kind memory and recovers', async () => {
    const out = await scope.runTool('huge_array', {});
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.kind).toBe('memory');
    await expectHealthy();
  });
});
