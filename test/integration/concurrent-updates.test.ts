import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// An isolate keeps a few compiled versions of its tool (isolate-cache.ts). Issue 12, item 2:
// with more versions loading or running at once than it keeps, the oldest was released while
// still in use, and valid updates and calls failed as `internal` ("isolate was reset").
let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
  expect((await scope.createTool({ name: 'versions', description: 'v0', code: 'export default () => 0;' })).ok).toBe(true);
});
afterAll(() => engine.close());

describe('versions in flight', () => {
  it('accepts every one of 8 concurrent valid updates of one tool, with calls between them', async () => {
    const work: Array<Promise<{ ok: boolean } & Record<string, unknown>>> = [];
    for (let v = 1; v <= 8; v++) {
      // Each version's load check runs in the tool's isolate while the others load.
      work.push(scope.updateTool({ name: 'versions', code: `export default async () => { await null; return ${v}; };` }));
      for (let c = 0; c < 4; c++) work.push(scope.runTool('versions', {}));
    }
    const outs = await Promise.all(work);
    const failed = outs.filter((o) => !o.ok);
    expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);
    expect(await scope.runTool('versions', {})).toMatchObject({ ok: true, result: 8 });
  });
});
