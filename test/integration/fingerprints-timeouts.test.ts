/**
 * One infinite loop, one fingerprint: a version's first CPU timeout is not sampled and a later
 * one is (frames from CPU samples, a longer message), yet both are the same bug
 * (traceback/fingerprint.ts). Real isolates, real CPU limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../src/model.js';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

const SPINS = 'function spin(n) {\n  let x = 0;\n  while (n > 0) { x = (x * 7 + n) % 1013; }\n  return x;\n}\nexport default function (args) {\n  return { x: spin(args.n) };\n}';

describe('fingerprints of CPU timeouts', () => {
  it('gives the unsampled first timeout and a sampled later one the same fingerprint', async () => {
    const created = await scope.createTool({ name: 'spinner', description: 's', code: SPINS, language: 'javascript', timeoutMs: 300 });
    expect(created.ok).toBe(true);
    // On a loaded machine a spin can meet the wall clock before its CPU limit (another message,
    // another cause): such calls are left out, and a few more made.
    const cpu = (r: ExecutionRecord) => /CPU-time limit/.test(r.errorMessage ?? '');
    let rows: ExecutionRecord[] = [];
    for (let i = 0; i < 6; i++) {
      const out = await scope.runTool('spinner', { n: 1 });
      expect(out.ok).toBe(false);
      rows = (await scope.listExecutions({ toolName: 'spinner', status: 'FAILURE' })).filter(cpu);
      if (rows.some((r) => (r.frames ?? []).length > 0) && rows.some((r) => (r.frames ?? []).length === 0)) break;
    }
    const sampled = rows.find((r) => (r.frames ?? []).some((f) => f.sampled === true));
    const unsampled = rows.find((r) => (r.frames ?? []).length === 0);
    expect(sampled, 'a sampled CPU timeout').toBeDefined();
    expect(unsampled, 'an unsampled CPU timeout').toBeDefined();
    expect(sampled!.errorMessage).not.toBe(unsampled!.errorMessage);
    expect(sampled!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(sampled!.fingerprint).toBe(unsampled!.fingerprint);
  });
});
