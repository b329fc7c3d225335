import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let alice: PersonaScope;
let bob: PersonaScope;

beforeAll(() => {
  engine = startEngine();
  alice = engine.app.forPersona('alice');
  bob = engine.app.forPersona('bob');
});
afterAll(() => engine.close());

// One tool that plants traps, and one that looks for them. Each call must start pristine.
const PLANT = `
let calls = 0;
export default () => {
  calls++;
  (globalThis as any).planted = 'secret';
  (Object.prototype as any).polluted = 'yes';
  Array.prototype.push = function () { return -1; };
  JSON.parse = () => ({ trapped: true });
  Object.defineProperty(Object.prototype, 'captured', { set(v) { (globalThis as any).stolen = v; }, configurable: true });
  Promise.resolve().then(function again(): Promise<void> { return new Promise((r) => (globalThis as any).setTimeout?.(r)); });
  return calls;
};`;

const PROBE = `
let calls = 0;
export default (args: { x: number }) => {
  calls++;
  const seen: string[] = [];
  if ((globalThis as any).planted) seen.push('global');
  if (({} as any).polluted) seen.push('prototype');
  const arr: number[] = [];
  if (arr.push(1) !== 1) seen.push('builtin');
  if (JSON.parse('{"a":1}').trapped) seen.push('JSON.parse');
  if ((globalThis as any).stolen) seen.push('setter');
  return { seen, calls, x: args.x };
};`;

describe('pristine state per call', () => {
  it('a tool sees nothing its own previous call left behind', async () => {
    expect((await alice.createTool({ name: 'planter', description: 'plants', code: PLANT })).ok).toBe(true);
    expect(await alice.runTool('planter', {})).toMatchObject({ ok: true, result: 1 });
    // Module scope is fresh too: `calls` starts again from 0 every time.
    expect(await alice.runTool('planter', {})).toMatchObject({ ok: true, result: 1 });
  });

  it('another tool of the same persona sees none of the traps', async () => {
    await alice.runTool('planter', {});
    expect((await alice.createTool({ name: 'probe', description: 'probes', code: PROBE })).ok).toBe(true);
    expect(await alice.runTool('probe', { x: 1 })).toMatchObject({ ok: true, result: { seen: [], calls: 1, x: 1 } });
    expect(await alice.runTool('probe', { x: 2 })).toMatchObject({ ok: true, result: { seen: [], calls: 1, x: 2 } });
  });

  it('another persona sees none of the traps', async () => {
    await alice.runTool('planter', {});
    expect((await bob.createTool({ name: 'probe', description: 'probes', code: PROBE })).ok).toBe(true);
    expect(await bob.runTool('probe', { x: 3 })).toMatchObject({ ok: true, result: { seen: [], calls: 1, x: 3 } });
  });

  it('a persona cannot run, read, patch or delete another persona\'s tool', async () => {
    await expect(bob.runTool('planter', {})).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
    expect(() => bob.getTool('planter')).toThrow(/not found/);
    await expect(bob.updateTool({ name: 'planter', code: 'export default () => 0;' })).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
    expect(() => bob.deleteTool('planter')).toThrow(/not found/);
    expect(bob.listTools().map((t) => t.name)).toEqual(['probe']);
    const aliceRun = await alice.runTool('planter', {});
    expect(() => bob.getExecution(aliceRun.executionId)).toThrow(/not found/);
    expect(bob.listExecutions().every((r) => r.persona === 'bob')).toBe(true);
  });
});
