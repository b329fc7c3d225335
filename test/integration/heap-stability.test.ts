import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// Released contexts leak if any Reference into them survives (../shared/NOTES.md): a 128 MB
// isolate then dies after ~900 calls. Each tool runs in one hardened context that every call
// re-enters, so 1,000 calls must leave each isolate's heap close to its size after warm-up.
// Heap figures include garbage not yet collected, so "size after warm-up" is the peak over a
// warm-up window and the final size is the median of the last calls: a leak of even 20 KB a
// call would still double it.
let engine: TestEngine;
let scope: PersonaScope;

const TOOL = `
const table = Array.from({ length: 200 }, (_, i) => ({ i, label: 'row ' + i }));
export default (a: { n: number }, ctx: any) => {
  ctx.log('call', a.n);
  // Garbage for the collector on every call (tool code is strict: it cannot go on the global).
  const junk = table.map((r) => ({ ...r, n: a.n }));
  return { n: a.n, rows: junk.length };
};`;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

async function heapOf(ids: string[]): Promise<number[]> {
  return (await Promise.all(ids.map((id) => scope.getExecution(id)))).map((row) => row.heapUsedBytes ?? 0);
}

const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

describe('isolate heap over many calls', () => {
  it('1,000 calls of one tool keep its heap within 2x of its size after warm-up', async () => {
    expect((await scope.createTool({ name: 'steady', description: 'steady', code: TOOL })).ok).toBe(true);
    const ids: string[] = [];
    for (let n = 0; n < 1000; n++) {
      const out = await scope.runTool('steady', { n });
      expect(out.ok).toBe(true);
      ids.push(out.executionId);
    }
    const afterWarmUp = max(await heapOf(ids.slice(100, 300)));
    const atEnd = median(await heapOf(ids.slice(900)));
    expect(afterWarmUp).toBeGreaterThan(0);
    expect(atEnd).toBeLessThanOrEqual(afterWarmUp * 2);
  }, 120_000);

  it('1,000 calls spread over 10 tools keep each heap within 2x of its size after warm-up', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `spread_${i}`);
    for (const name of names) expect((await scope.createTool({ name, description: 'spread', code: TOOL })).ok).toBe(true);
    const ids = new Map<string, string[]>(names.map((n) => [n, []]));
    for (let n = 0; n < 1000; n++) {
      const name = names[n % names.length]!;
      const out = await scope.runTool(name, { n });
      expect(out.ok).toBe(true);
      ids.get(name)!.push(out.executionId);
    }
    for (const name of names) {
      const own = ids.get(name)!;
      const afterWarmUp = max(await heapOf(own.slice(10, 40)));
      const atEnd = median(await heapOf(own.slice(80)));
      expect(atEnd, name).toBeLessThanOrEqual(afterWarmUp * 2);
    }
  }, 120_000);
});
