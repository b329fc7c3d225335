import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// A server starts one sandbox process, and the others ~0.5 s after it is ready
// (src/sandbox-host/supervisor.ts). Calls made before then run in the one that is starting,
// whatever process their tool belongs to, instead of each starting another node process.
let engine: TestEngine;
let scope: PersonaScope;

beforeAll(() => {
  engine = startEngine({ sandbox: { processes: 4 } });
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

it("runs a fresh server's first calls in its first sandbox process, then starts the others", async () => {
  // Eight tools: with four processes, all but ~1 in 4^8 draws have tools of other processes.
  const names = Array.from({ length: 8 }, (_, i) => `early_${i}`);
  for (const name of names) {
    const created = await scope.createTool({ name, description: 'early call', code: `export default () => '${name}';` });
    expect(created.ok).toBe(true);
    expect(await scope.runTool(name, {})).toMatchObject({ ok: true, result: name });
  }
  expect(engine.app.sandboxPids()).toHaveLength(1);
  // The rest start on their own, and the tools then run in their own processes.
  const deadline = Date.now() + 20_000;
  while (engine.app.sandboxPids().length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(engine.app.sandboxPids()).toHaveLength(4);
  for (const name of names) expect(await scope.runTool(name, {})).toMatchObject({ ok: true, result: name });
});
