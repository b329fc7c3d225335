import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let alice: PersonaScope;
let bob: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  alice = engine.app.forPersona('alice');
  bob = engine.app.forPersona('bob');
});
afterAll(() => engine.close());

// One tool that tries to plant traps, and one that looks for them. Each call must start
// pristine. In the hardened realm the planting itself fails; the planter reports which
// attempts threw, and whatever did not throw must still be invisible to the probe.
const PLANT = `
let calls = 0;
export default () => {
  calls++;
  const attempts: Record<string, string> = {};
  const attempt = (name: string, fn: () => void) => {
    try { fn(); attempts[name] = 'no error'; } catch (e) { attempts[name] = String((e as Error).name); }
  };
  attempt('global', () => { (globalThis as any).planted = 'secret'; });
  attempt('prototype', () => { (Object.prototype as any).polluted = 'yes'; });
  attempt('builtin', () => { Array.prototype.push = function () { return -1; }; });
  attempt('JSON.parse', () => { JSON.parse = () => ({ trapped: true }); });
  attempt('setter', () => { Object.defineProperty(Object.prototype, 'captured', { set(v) { (globalThis as any).stolen = v; }, configurable: true }); });
  attempt('module wrapper', () => { (arguments as any).callee.cache = 'kept'; });
  return { calls, attempts };
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
    const first = await alice.runTool('planter', {});
    expect(first).toMatchObject({ ok: true, result: { calls: 1 } });
    // Module scope is fresh too: `calls` starts again from 0 every time.
    expect(await alice.runTool('planter', {})).toMatchObject({ ok: true, result: { calls: 1 } });
    // The realm is frozen: defining on a built-in throws; plain assignments are ignored
    // (sloppy mode, as esbuild's CommonJS output is) — the probe below shows they took no effect.
    expect(first.ok && (first.result as { attempts: Record<string, string> }).attempts).toMatchObject({ setter: 'TypeError' });
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
    await expect(bob.getTool('planter')).rejects.toThrow(/not found/);
    await expect(bob.updateTool({ name: 'planter', code: 'export default () => 0;' })).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
    await expect(bob.deleteTool('planter')).rejects.toThrow(/not found/);
    expect((await bob.listTools()).map((t) => t.name)).toEqual(['probe']);
    const aliceRun = await alice.runTool('planter', {});
    await expect(bob.getExecution(aliceRun.executionId)).rejects.toThrow(/not found/);
    expect((await bob.listExecutions()).every((r) => r.persona === 'bob')).toBe(true);
  });
});

describe('the hardened realm', () => {
  it('explains a failed write to a built-in in terms an agent can act on', async () => {
    const code = 'export default () => { Object.defineProperty(Array.prototype, "last", { get() { return this[this.length - 1]; } }); return [1, 2].length; };';
    expect((await alice.createTool({ name: 'polyfill', description: 'patches Array', code })).ok).toBe(true);
    const out = await alice.runTool('polyfill', {});
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.message).toMatch(/hardened realm/);
    expect(out.failure.frames[0]).toMatchObject({ line: 1 });
  });

  it('still lets a tool override inherited names on its own objects', async () => {
    const code = [
      'class NotFound extends Error { constructor(m: string) { super(m); this.name = "NotFound"; } }',
      'export default () => {',
      '  const o: any = {}; o.toString = () => "custom"; o.constructor = 1;',
      '  const e = new NotFound("x");',
      '  return { s: String(o), name: e.name, c: o.constructor };',
      '};',
    ].join('\n');
    expect((await alice.createTool({ name: 'overrides', description: 'overrides', code })).ok).toBe(true);
    expect(await alice.runTool('overrides', {})).toMatchObject({ ok: true, result: { s: 'custom', name: 'NotFound', c: 1 } });
  });
});
