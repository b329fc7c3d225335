import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { createToolFrom, resultOf } from '../helpers/capability-tools.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { kvTool, type KvOp } from '../helpers/kv-tool.js';

// Whose keys a call sees (issue 14): a tool's own namespace by default; the persona's shared
// one for tools that declare capabilities.kv "persona"; never another persona's.
let engine: TestEngine;
let scope: PersonaScope;
let otherPersona: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
  otherPersona = engine.app.forPersona('other');
  await createToolFrom(scope, kvTool('alpha'));
  await createToolFrom(scope, kvTool('beta'));
  await createToolFrom(scope, kvTool('shared_one', { kv: 'persona' }));
  await createToolFrom(scope, kvTool('shared_two', { kv: 'persona' }));
  // Another persona has tools of the same names, shared namespace included.
  await createToolFrom(otherPersona, kvTool('alpha'));
  await createToolFrom(otherPersona, kvTool('shared_one', { kv: 'persona' }));
});
afterAll(() => engine.close());

const call = (on: PersonaScope, tool: string, ...ops: KvOp[]) => on.runTool(tool, { ops }).then(resultOf);
const nothing = { keys: [], truncated: false };

describe("a tool's own namespace", () => {
  it("is not seen by another tool, which may use the same key names for its own values", async () => {
    await call(scope, 'alpha', ['set', 'name', 'alpha value']);
    expect(await call(scope, 'beta', ['get', 'name'], ['list'])).toEqual([null, nothing]);
    await call(scope, 'beta', ['set', 'name', 'beta value']);
    expect(await call(scope, 'alpha', ['get', 'name'], ['list'])).toEqual(['alpha value', { keys: ['name'], truncated: false }]);
    expect(await call(scope, 'beta', ['get', 'name'])).toEqual(['beta value']);
    // Nor by the persona's shared namespace.
    expect(await call(scope, 'shared_one', ['get', 'name'])).toEqual([null]);
  });
});

describe("the persona's shared namespace", () => {
  it('is one store for every tool of the persona that declares it', async () => {
    await call(scope, 'shared_one', ['set', 'team', { members: 2 }]);
    expect(await call(scope, 'shared_two', ['get', 'team'], ['set', 'by_two', true], ['list'])).toEqual([{ members: 2 }, null, { keys: ['by_two', 'team'], truncated: false }]);
    expect(await call(scope, 'shared_one', ['get', 'by_two'])).toEqual([true]);
    expect(await call(scope, 'alpha', ['get', 'team'])).toEqual([null]);
  });

  it("is not another persona's: its tools of the same names see nothing, and write only their own", async () => {
    await call(scope, 'shared_one', ['set', 'private', 'default persona only']);
    await call(scope, 'alpha', ['set', 'private', 'default persona only']);
    expect(await call(otherPersona, 'shared_one', ['get', 'private'], ['get', 'team'], ['list'])).toEqual([null, null, nothing]);
    expect(await call(otherPersona, 'alpha', ['get', 'private'], ['get', 'name'], ['list'])).toEqual([null, null, nothing]);
    await call(otherPersona, 'shared_one', ['set', 'private', 'other persona']);
    expect(await call(scope, 'shared_two', ['get', 'private'])).toEqual(['default persona only']);
    expect(await call(otherPersona, 'shared_one', ['get', 'private'])).toEqual(['other persona']);
  });
});
