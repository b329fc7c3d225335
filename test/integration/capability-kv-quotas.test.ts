import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { createToolFrom, expectLocated, resultOf } from '../helpers/capability-tools.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { kvTool, type KvOp } from '../helpers/kv-tool.js';

// Each kv quota (config kv.*, lowered here) end to end: the operation that would pass it is
// refused with a KvQuotaError at the agent's line that made it, the message naming the config
// key; and, the call having failed, none of its earlier writes are kept.
const QUOTAS = { maxValueBytes: 1_024, maxKeysPerNamespace: 3, maxBytesPerNamespace: 2_048, maxOperationsPerCall: 10 };

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine({ kv: QUOTAS });
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

let tools = 0;
async function freshTool() {
  const tool = kvTool(`quota_${++tools}`);
  await createToolFrom(scope, tool);
  return { tool, call: (...ops: KvOp[]) => scope.runTool(tool.name, { ops }) };
}

describe('kv.maxValueBytes', () => {
  it('refuses a value over it, as JSON text, where it is set; one at the limit is kept', async () => {
    const { tool, call } = await freshTool();
    // 1,022 characters and the two quotes of the JSON string: exactly 1,024 bytes.
    resultOf(await call(['set', 'fits', 'x'.repeat(1_022)]));
    const message = expectLocated(await call(['set', 'big', 'x'.repeat(1_023)]), tool, 'ctx.kv.set(', 'KvQuotaError');
    expect(message).toBe("kv.set(\"big\"): the value is 1,025 bytes; the limit is 1,024 (kv.maxValueBytes in the host's config). Store less, or split it.");
    // Far over it, the request itself is refused before it is read.
    const huge = expectLocated(await call(['set', 'huge', 'x'.repeat(100_000)]), tool, 'ctx.kv.set(', 'KvQuotaError');
    expect(huge).toMatch(/^kv\.set\(\): the request is [\d,]+ characters, more than any value within the limit of 1,024 bytes \(kv\.maxValueBytes in the host's config\)/);
    expect(resultOf(await call(['list']))).toEqual([{ keys: ['fits'], truncated: false }]);
  });
});

describe('kv.maxKeysPerNamespace', () => {
  it('refuses a new key past it (an existing key may still change), and the failed call keeps nothing', async () => {
    const { tool, call } = await freshTool();
    resultOf(await call(['set', 'a', 1], ['set', 'b', 2], ['set', 'c', 3]));
    resultOf(await call(['set', 'a', 'changed']));
    const message = expectLocated(await call(['delete', 'b'], ['set', 'b2', 'swapped in'], ['set', 'd', 4]), tool, 'ctx.kv.set(', 'KvQuotaError');
    expect(message).toBe(
      `kv.set("d"): namespace "tool:${tool.name}" holds 3 keys; the limit is 3 (kv.maxKeysPerNamespace in the host's config). Delete keys you no longer need, or keep more in each value.`,
    );
    expect(resultOf(await call(['list']))).toEqual([{ keys: ['a', 'b', 'c'], truncated: false }]);
  });
});

describe('kv.maxBytesPerNamespace', () => {
  it('refuses a write that would take the namespace past it, counting keys and values', async () => {
    const { tool, call } = await freshTool();
    // Each entry: a 1-byte key and a 902-byte value = 903 bytes; two fit in 2,048, three do not.
    const value = 'v'.repeat(900);
    resultOf(await call(['set', 'a', value], ['set', 'b', value]));
    const message = expectLocated(await call(['set', 'c', value]), tool, 'ctx.kv.set(', 'KvQuotaError');
    expect(message).toBe(
      `kv.set("c"): namespace "tool:${tool.name}" would hold 2,709 bytes (keys and values); the limit is 2,048 (kv.maxBytesPerNamespace in the host's config). Delete keys you no longer need, or store less.`,
    );
    // Replacing a value by a smaller one, or deleting, makes room.
    resultOf(await call(['delete', 'a'], ['set', 'c', value]));
    expect(resultOf(await call(['list']))).toEqual([{ keys: ['b', 'c'], truncated: false }]);
  });
});

describe('kv.maxOperationsPerCall', () => {
  it('refuses the operation past it, whatever it is, and the next call starts again from zero', async () => {
    const { tool, call } = await freshTool();
    const reads: KvOp[] = Array.from({ length: QUOTAS.maxOperationsPerCall }, (_, i) => ['get', `k${i}`]);
    resultOf(await call(...reads));
    const message = expectLocated(await call(['set', 'first', 1], ...reads.slice(1), ['list']), tool, 'ctx.kv.list(', 'KvQuotaError');
    expect(message).toBe("kv.list(): this call has made 10 kv operations; the limit is 10 per call (kv.maxOperationsPerCall in the host's config). Make fewer: one value can hold a whole object.");
    expect(resultOf(await call(['get', 'first']))).toEqual([null]);
  });
});
