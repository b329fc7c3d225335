/**
 * Lowering a maximum in the config applies to tools already stored (issue 12, item 10): a
 * version saved (or imported) under a roomier config runs within the current maxima.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { createChameleon, type Chameleon } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let roomy: TestEngine;
let strict: Chameleon;
const warnings: { message: string; fields?: Record<string, unknown> }[] = [];

// Spins for 4 s of CPU, then answers: under a 1 s limit it must be stopped.
const SPIN = 'export default () => { const end = Date.now() + 4000; while (Date.now() < end) {} return "finished"; };';
// Holds 300 arrays of 100,000 numbers (120 MB or more): under a 64 MB limit it must be stopped.
// Large arrays, not many small objects: the heap fills fast, before the 1 s clamped timeout.
const HOG = 'export default () => { const keep: number[][] = []; for (let i = 0; i < 300; i++) keep.push(new Array(100000).fill(i)); return keep.length; };';

beforeAll(async () => {
  roomy = await startEngine({ limits: { maxTimeoutMs: 600_000, maxMemoryMb: 4_096 } });
  const scope = roomy.app.forPersona('default');
  expect((await scope.createTool({ name: 'spin', description: 'Spins.', code: SPIN, timeoutMs: 600_000 })).ok).toBe(true);
  expect((await scope.createTool({ name: 'hog', description: 'Hogs.', code: HOG, timeoutMs: 20_000, memoryMb: 4_096 })).ok).toBe(true);
  await roomy.app.close();
  const logger: Logger = { debug: () => {}, info: () => {}, error: () => {}, warn: (message, fields) => warnings.push({ message, ...(fields ? { fields } : {}) }) };
  strict = await createChameleon({
    config: parseConfig({ dbPath: roomy.dbPath, sandbox: { processes: 1 }, limits: { maxTimeoutMs: 1_000, defaultTimeoutMs: 1_000, maxMemoryMb: 64, defaultMemoryMb: 64 } }),
    logger,
  });
});
afterAll(async () => {
  await strict.close();
  await roomy.close();
});

describe('runTool() with a stored limit above the current config', () => {
  it('stops the call at the config maximum timeout, and logs that the limit was clamped', async () => {
    const started = performance.now();
    const out = await strict.forPersona('default').runTool('spin', {});
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.kind).toBe('timeout');
    expect(out.failure.message).toMatch(/1000 ms/);
    expect(performance.now() - started).toBeLessThan(3_900);
    expect(warnings.some((w) => /clamped/.test(w.message) && w.fields?.['tool'] === 'spin' && w.fields['timeoutMs'] === 1_000)).toBe(true);
  });

  it('stops the call at the config maximum memory', async () => {
    const out = await strict.forPersona('default').runTool('hog', {});
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.kind).toBe('memory');
    expect(out.failure.message).toMatch(/64 MB|memory_mb 64/);
  });
});
