import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import type { PersonaScope, WriteOutcome } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// The regression gate (issue 17, item 3): declared tests, refusal, force, history.
let engine: TestEngine;
let scope: PersonaScope;

const SCHEMA = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
const GOOD = ['export default function ({ n }: { n: number }) {', '  if (n < 0) throw new RangeError("n must be >= 0");', '  return { double: n * 2 };', '}', ''].join('\n');
const TESTS = [
  { name: 'doubles', arguments: { n: 2 }, expect: { double: 4 } },
  { name: 'refuses negatives', arguments: { n: -1 }, expect: { error_kind: 'exception' } },
  { arguments: { n: 0 } },
];

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
  const made = await scope.createTool({ name: 'doubler', description: 'd', code: GOOD, inputSchema: SCHEMA, tests: TESTS });
  if (!made.ok) throw new Error('create failed');
});
afterAll(() => engine.close());

function gateRefusal(out: WriteOutcome) {
  if (!out.ok || out.inactiveVersion === undefined || out.gate === undefined) throw new Error(`expected a gate refusal, got ${JSON.stringify(out).slice(0, 300)}`);
  return { version: out.inactiveVersion, report: out.gate, tool: out.tool };
}

describe('declared tests', () => {
  it('are stored with the version and shown by get_tool; create runs none', async () => {
    const details = await scope.getTool('doubler');
    expect(details.tests).toEqual(TESTS);
    expect(details.gate).toBeNull();
  });

  it('refuse a patch that breaks one: saved inactive with a located error, the active version keeps serving', async () => {
    const broken = GOOD.replace('  return { double: n * 2 };', '  const r = (null as any).x;\n  return { double: r };');
    const out = gateRefusal(await scope.updateTool({ name: 'doubler', code: broken }));
    expect(out.version).toBe(2);
    expect(out.tool.activeVersion).toBe(1);
    const failing = out.report.cases.filter((c) => c.status === 'failed');
    expect(failing.map((c) => c.name)).toEqual(['doubles', 'tests[2]']);
    const after = failing[0]!.after;
    if (after === null || after.ok) throw new Error('expected a failure');
    expect(after.failure).toMatchObject({ kind: 'exception', name: 'TypeError', frames: [{ tool: 'doubler', version: 2, line: 3 }] });
    expect(after.failure.codeFrame).toContain('(null as any).x');
    // The test that expects a failure still passes (it throws before the broken line).
    expect(out.report.cases.find((c) => c.name === 'refuses negatives')?.status).toBe('passed');
    expect(out.report).toMatchObject({ passed: false, failing: 2, tests: 3 });
    // Not served: calls run version 1.
    expect(await scope.runTool('doubler', { n: 5 })).toMatchObject({ ok: true, version: 1, result: { double: 10 } });
    // In the history with its report, never active.
    const history = (await scope.getTool('doubler')).versions;
    expect(history.map((v) => [v.version, v.active, v.gate?.passed ?? null])).toEqual([[1, true, null], [2, false, false]]);
    expect((await scope.getTool('doubler', 2)).gate?.failing).toBe(2);
  });

  it('a later patch starts from the active version, takes the next number, and passes', async () => {
    const out = await scope.editTool('doubler', [{ oldString: 'n * 2', newString: '2 * n' }]);
    expect(out).toMatchObject({ ok: true, tool: { activeVersion: 3 }, gate: { passed: true, failing: 0 } });
    expect((await scope.getTool('doubler')).versions.map((v) => [v.version, v.origin.kind, v.active])).toEqual([
      [1, 'create', false],
      [2, 'update', false],
      [3, 'edit', true],
    ]);
  });

  it('force activates a refused patch and records that it was forced', async () => {
    const out = await scope.updateTool({ name: 'doubler', code: GOOD.replace('n * 2', 'n * 3'), force: true });
    expect(out).toMatchObject({ ok: true, forced: true, tool: { activeVersion: 4 }, gate: { passed: false, failing: 1 } });
    const v4 = (await scope.getTool('doubler')).versions.find((v) => v.version === 4)!;
    expect(v4).toMatchObject({ active: true, forced: true, gate: { passed: false, failing: 1 } });
    expect(await scope.runTool('doubler', { n: 1 })).toMatchObject({ ok: true, version: 4, result: { double: 3 } });
  });

  it('rollback is not gated, and numbers after the highest version', async () => {
    const view = await scope.rollbackTool('doubler', 2);
    expect(view.activeVersion).toBe(5);
    expect(await scope.runTool('doubler', { n: 1 })).toMatchObject({ ok: false, version: 5 });
    await scope.rollbackTool('doubler', 3);
  });

  it('refuses tests whose arguments the input schema would refuse, and too many tests', async () => {
    const message = async (work: Promise<unknown>) => {
      try {
        await work;
      } catch (err) {
        if (isAppError(err)) return err.message;
        throw err;
      }
      throw new Error('expected a refusal');
    };
    expect(await message(scope.updateTool({ name: 'doubler', tests: [{ name: 'bad', arguments: { n: 'x' } }] }))).toMatch(/^tests\[0\] \(bad\)\.arguments would be refused by the tool's input_schema/);
    expect(await message(scope.updateTool({ name: 'doubler', tests: Array.from({ length: 51 }, () => ({ arguments: { n: 1 } })) }))).toMatch(/at most 50/);
    // A new schema that refuses the kept tests' arguments is refused too.
    expect(await message(scope.updateTool({ name: 'doubler', inputSchema: { type: 'object', properties: { m: { type: 'integer' } }, required: ['m'] } }))).toMatch(/tests\[0\] \(doubles\)\.arguments would be refused/);
  });

  it('a tests-only update makes a version (tests are in the hash) and runs the new tests', async () => {
    const out = gateRefusal(await scope.updateTool({ name: 'doubler', tests: [{ name: 'wrong', arguments: { n: 1 }, expect: { double: 99 } }] }));
    expect(out.report.cases[0]).toMatchObject({ status: 'failed', reason: 'the result is not the one expected (deep JSON equality)', after: { ok: true, resultJson: '{"double":2}' } });
  });
});
