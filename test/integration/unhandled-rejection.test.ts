/**
 * Issue 13, item 1: a promise the tool lets go (forEach with an async callback, a forgotten
 * `await`) that rejects is an `exception` with subkind `unhandled_rejection`, located in the
 * agent's lines, never an `internal` "retry the call". The fixtures floating_foreach.ts and
 * forgotten_await.ts pin the positions; this file pins the rest of the behaviour.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

async function create(name: string, code: string): Promise<void> {
  const created = await scope.createTool({ name, description: name, code, language: 'javascript' });
  if (!created.ok) throw new Error(`create failed: ${JSON.stringify(created.failure)}`);
}

async function failureOf(name: string, args: Record<string, unknown> = {}) {
  const out = await scope.runTool(name, args);
  if (out.ok) throw new Error(`expected a failure, got ${out.resultJson}`);
  return out;
}

const FOREACH = `
async function save(id) {
  await null;
  if (id === 2) throw new Error('cannot save ' + id);
}
export default function (args) {
  console.log('saving', args.ids.length);
  args.ids.forEach(async (id) => { await save(id); });
  return { saved: args.ids.length };
}`;

describe('a promise nothing awaited that rejects', () => {
  it('runTool() reports an exception with subkind unhandled_rejection and a hint, on every call (both entry paths)', async () => {
    await create('float_each', FOREACH);
    // The first calls of a version go through isolated-vm's thread pool, later ones enter
    // synchronously (fast-path.ts): both must say the same.
    for (let i = 0; i < 4; i++) {
      const { failure, console } = await failureOf('float_each', { ids: [1, 2, 3] });
      expect(failure).toMatchObject({ kind: 'exception', subkind: 'unhandled_rejection', name: 'Error', mapped: true });
      expect(failure.message).toMatch(/^cannot save 2\. .*await it or return it/);
      expect(failure.frames[0]).toMatchObject({ function: 'save', line: 4 });
      expect(console).toBe('saving 3');
      // The host's own frames (isolated-vm appends them) never reach the agent.
      expect(failure.rawStack).not.toMatch(/isolated-vm|file:|node:/);
    }
  });

  it('leaves the realm serving calls: the same tool succeeds next, with nothing carried over', async () => {
    const out = await scope.runTool('float_each', { ids: [1, 3] });
    expect(out.ok && out.result).toEqual({ saved: 2 });
  });

  it('fails an async handler that returned before its floating promise rejected', async () => {
    await create('float_async', `
export default async function () {
  (async () => { await null; null.x; })();
  await null;
  return 1;
}`);
    const { failure } = await failureOf('float_async');
    expect(failure).toMatchObject({ kind: 'exception', subkind: 'unhandled_rejection', name: 'TypeError' });
    expect(failure.frames[0]?.line).toBe(3);
  });

  it('keeps the handler\'s own failure when it failed too (that one is the first to fix)', async () => {
    await create('float_and_throw', `
export default function () {
  Promise.reject(new Error('floating'));
  throw new RangeError('own');
}`);
    const { failure } = await failureOf('float_and_throw');
    expect(failure).toMatchObject({ kind: 'exception', name: 'RangeError', message: 'own' });
    expect(failure.subkind).toBeUndefined();
  });

  it.each([
    ["'quota exceeded'", 'thrown string', 'quota exceeded'],
    ['null', 'thrown null', 'null'],
    ['42', 'thrown number', '42'],
    ['{ code: 1 }', 'thrown object', 'not an Error'],
  ])('describes a rejection with %s (no stack exists, so no frames)', async (value, name, message) => {
    const tool = `float_value_${name.split(' ')[1]!}`;
    await create(tool, `export default function () { Promise.reject(${value}); return 1; }`);
    const { failure } = await failureOf(tool);
    expect(failure).toMatchObject({ kind: 'exception', subkind: 'unhandled_rejection', name, frames: [] });
    expect(failure.message).toContain(message);
  });

  it('does not fail a call whose rejected promise was handled later in the same call', async () => {
    await create('handled_late', `
export default async function () {
  const p = Promise.reject(new Error('late'));
  await null;
  return await p.catch((e) => e.message);
}`);
    const out = await scope.runTool('handled_late', {});
    expect(out.ok && out.result).toBe('late');
  });

  it('refuses a create whose module body lets a rejection float', async () => {
    const created = await scope.createTool({
      name: 'float_at_load',
      description: 'x',
      language: 'javascript',
      code: `Promise.reject(new Error('at load'));\nexport default () => 1;`,
    });
    expect(created.ok).toBe(false);
    if (created.ok) return;
    expect(created.failure).toMatchObject({ kind: 'exception', subkind: 'unhandled_rejection', message: expect.stringContaining('at load.') as unknown });
    expect(created.failure.frames[0]?.line).toBe(1);
  });
});
