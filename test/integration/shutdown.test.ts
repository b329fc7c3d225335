import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { startEngine } from '../helpers/engine.js';

describe('close()', () => {
  it('fails the calls still running, logs them, and leaves no sandbox process', async () => {
    const engine = await startEngine();
    const scope = engine.app.forPersona('default');
    expect((await scope.createTool({ name: 'waits', description: 'never settles', code: 'export default () => new Promise(() => {});', timeoutMs: 10_000 })).ok).toBe(true);
    const pids = engine.app.sandboxPids();
    const running = scope.runTool('waits', {});
    await new Promise((r) => setTimeout(r, 100));
    await engine.app.close();
    const out = await running;
    expect(out).toMatchObject({ ok: false, failure: { kind: 'internal', message: expect.stringMatching(/shut down while this call ran.*call it again/) } });
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    const store = openStore(engine.dbPath);
    try {
      expect(store.executions.get('default', out.executionId)).toMatchObject({ status: 'FAILURE', errorKind: 'internal' });
    } finally {
      store.close();
      await engine.close();
    }
  });
});
