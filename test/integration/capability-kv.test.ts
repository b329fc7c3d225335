import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { createToolFrom, failureOf, resultOf } from '../helpers/capability-tools.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { kvTool, type KvOp } from '../helpers/kv-tool.js';

// ctx.kv end to end (issue 14): a tool's operations go through the sandbox process and the
// supervisor to the server's kv session; a call's writes commit with its log row, so the next
// call sees them, and a call that fails (thrown, timed out) leaves nothing behind.
let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

let tools = 0;
/** A fresh kv tool (its own namespace), and a way to call it with operations. */
async function freshTool(timeoutMs?: number) {
  const tool = kvTool(`kv_${++tools}`, undefined, timeoutMs);
  await createToolFrom(scope, tool);
  return { tool, call: (...ops: KvOp[]) => scope.runTool(tool.name, { ops }) };
}

describe('ctx.kv', () => {
  it('keeps set values across calls, as JSON, and deletes them', async () => {
    const { call } = await freshTool();
    const value = { n: 1, list: [true, null, 'é✓'], nested: { deep: 2.5 } };
    expect(resultOf(await call(['set', 'obj', value], ['set', 'num', 42], ['set', 'str', 'text']))).toEqual([null, null, null]);
    expect(resultOf(await call(['get', 'obj'], ['get', 'num'], ['get', 'str'], ['get', 'missing']))).toEqual([value, 42, 'text', null]);
    expect(resultOf(await call(['delete', 'num'], ['delete', 'num']))).toEqual([true, false]);
    expect(resultOf(await call(['get', 'num'], ['list']))).toEqual([null, { keys: ['obj', 'str'], truncated: false }]);
  });

  it('reads its own writes within a call, before they are committed', async () => {
    const { call } = await freshTool();
    resultOf(await call(['set', 'k', 'committed']));
    expect(resultOf(await call(['get', 'k'], ['set', 'k', 'mine'], ['get', 'k'], ['set', 'new', 1], ['list'], ['delete', 'k'], ['get', 'k'], ['list']))).toEqual([
      'committed',
      null,
      'mine',
      null,
      { keys: ['k', 'new'], truncated: false },
      true,
      null,
      { keys: ['new'], truncated: false },
    ]);
  });

  it('lists keys in order by prefix, up to a limit, saying when there are more', async () => {
    const { call } = await freshTool();
    resultOf(await call(...['user:3', 'user:1', 'user:2', 'team:1', 'user:10'].map((k): KvOp => ['set', k, k])));
    expect(resultOf(await call(['list', { prefix: 'user:' }], ['list', { prefix: 'user:', limit: 2 }], ['list', { limit: 5 }], ['list', { prefix: 'nobody' }]))).toEqual([
      { keys: ['user:1', 'user:10', 'user:2', 'user:3'], truncated: false },
      { keys: ['user:1', 'user:10'], truncated: true },
      { keys: ['team:1', 'user:1', 'user:10', 'user:2', 'user:3'], truncated: false },
      { keys: [], truncated: false },
    ]);
  });
});

describe("a call that fails keeps none of its writes: the next call sees the state before it", () => {
  const before: KvOp[] = [['set', 'kept', 'old'], ['set', 'doomed', 'old']];
  const writes: KvOp[] = [['set', 'kept', 'new'], ['delete', 'doomed'], ['set', 'added', 1]];
  const state: KvOp[] = [['get', 'kept'], ['get', 'doomed'], ['get', 'added'], ['list']];
  const unchanged = ['old', 'old', null, { keys: ['doomed', 'kept'], truncated: false }];

  for (const [how, end, kind] of [
    ['it throws', 'throw', 'exception'],
    ['it runs out of CPU time', 'spin', 'timeout'],
    ['it waits past its deadline', 'hang', 'timeout'],
  ] as const) {
    it(`(${how})`, async () => {
      const { call } = await freshTool(1_000);
      resultOf(await call(...before));
      expect(failureOf(await call(...writes, [end])).kind).toBe(kind);
      expect(resultOf(await call(...state))).toEqual(unchanged);
      // And a call that succeeds afterwards commits as usual.
      resultOf(await call(...writes));
      expect(resultOf(await call(...state))).toEqual(['new', null, 1, { keys: ['added', 'kept'], truncated: false }]);
    });
  }
});
