import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// Partial edits and honest versions (issue 17, item 2).
let engine: TestEngine;
let scope: PersonaScope;

const SOURCE = ['export default function ({ n }: { n: number }) {', '  const a = n + 1;', '  const b = n + 1;', '  return { a, b };', '}', ''].join('\n');

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
  const made = await scope.createTool({ name: 'pair', description: 'd', code: SOURCE });
  if (!made.ok) throw new Error(made.failure.message);
});
afterAll(() => engine.close());

async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (err) {
    if (isAppError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('edit_tool', () => {
  it('replaces text that occurs once, in order, and saves a new version as update_tool would', async () => {
    const out = await scope.editTool('pair', [
      { oldString: '  const b = n + 1;', newString: '  const b = n + 2;' },
      { oldString: 'return { a, b };', newString: 'return { a, b, sum: a + b };' },
    ]);
    expect(out).toMatchObject({ ok: true, tool: { activeVersion: 2 } });
    expect((await scope.getTool('pair')).source).toBe(SOURCE.replace('  const b = n + 1;', '  const b = n + 2;').replace('return { a, b };', 'return { a, b, sum: a + b };'));
    expect(await scope.runTool('pair', { n: 1 })).toMatchObject({ ok: true, result: { a: 2, b: 3, sum: 5 } });
  });

  it('refuses text that occurs more than once, naming the lines, and saves nothing', async () => {
    const message = await refusal(scope.editTool('pair', [{ oldString: 'n + ', newString: 'n - ' }]));
    expect(message).toMatch(/^INVALID_ARGUMENT: edits\[0\]\.old_string occurs 2 times in the source of version 2, at lines 2, 3: include more of the text/);
    expect((await scope.getTool('pair')).tool.activeVersion).toBe(2);
  });

  it('refuses text that does not occur, saying how near it came', async () => {
    const message = await refusal(scope.editTool('pair', [{ oldString: '  const a = n + 1;\n  const c = 0;', newString: '' }]));
    expect(message).toMatch(/edits\[0\]\.old_string does not occur in the source of version 2\. Its first line occurs at line 2, but what follows differs/);
    const spacing = await refusal(scope.editTool('pair', [{ oldString: 'const   a = n + 1;', newString: '' }]));
    expect(spacing).toMatch(/Line 2 has the same words with other spacing/);
  });

  it('applies each edit to what the previous ones left, and refuses as a whole if one fails', async () => {
    const message = await refusal(
      scope.editTool('pair', [
        { oldString: '  const a = n + 1;', newString: '  const a = n + 5;' },
        { oldString: '  const a = n + 1;', newString: '' },
      ]),
    );
    expect(message).toMatch(/edits\[1\]\.old_string does not occur in the source of version 2 \(after edits\[0\.\.0\]\)/);
    expect((await scope.getTool('pair')).tool.activeVersion).toBe(2);
  });

  it('locates a compile error in the edited source and keeps the active version', async () => {
    const out = await scope.editTool('pair', [{ oldString: '  return { a, b, sum: a + b };', newString: '  return { a, b, sum: a + };' }]);
    expect(out).toMatchObject({ ok: false, failure: { kind: 'compile' } });
    if (out.ok) return;
    expect(out.failure.frames[0]).toMatchObject({ line: 4 });
    expect((await scope.getTool('pair')).tool.activeVersion).toBe(2);
  });
});

describe('an update that changes nothing', () => {
  it('makes no version and says so, for the same code and for the same settings', async () => {
    const before = await scope.getTool('pair');
    const same = await scope.updateTool({ name: 'pair', code: before.source });
    expect(same).toMatchObject({ ok: true, unchanged: true, tool: { activeVersion: before.tool.activeVersion } });
    const settings = await scope.updateTool({ name: 'pair', description: before.tool.description, timeoutMs: before.tool.timeoutMs });
    expect(settings).toMatchObject({ ok: true, unchanged: true });
    const edit = await scope.editTool('pair', [{ oldString: '  const a = n + 1;', newString: '  const a = n + 1;' }]);
    expect(edit).toMatchObject({ ok: true, unchanged: true });
    expect((await scope.getTool('pair')).versions).toHaveLength(before.versions.length);
    // A real change still makes one.
    expect(await scope.updateTool({ name: 'pair', description: 'another' })).toMatchObject({ ok: true, tool: { activeVersion: before.tool.activeVersion + 1 } });
    expect(await scope.updateTool({ name: 'pair', description: 'another' })).toMatchObject({ ok: true, unchanged: true });
  });
});
