import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { fakeRuntime } from '../unit/cli/fake-runtime.js';
import { runCli, spawnCli } from '../unit/cli/program.js';

// Anything a terminal would act on, except the \n we print ourselves.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const HOSTILE = [
  'export default function ({ s }: { s: string }) {',
  "  console.log('\\u001b[2J\\u001b[Hscreen wiped \\u001b]0;owned\\u0007 \\u001b]52;c;ZXZpbA==\\u0007' + s);",
  "  throw new Error('bad \\u001b[31mred\\u001b[0m \\r\\u009b2K line');",
  '}',
].join('\n');

let engine: TestEngine;
let scope: PersonaScope;
let failedId: string;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
  expect((await scope.createTool({ name: 'add', description: 'Adds.', code: 'export default ({ a, b }: { a: number; b: number }) => ({ sum: a + b });' })).ok).toBe(true);
  expect((await scope.createTool({ name: 'hostile', description: 'Prints escapes.', code: HOSTILE })).ok).toBe(true);
  expect((await scope.runTool('add', { a: 1, b: 2 })).ok).toBe(true);
  const failed = await scope.runTool('hostile', { s: '\u009b1;1H\u202etail' });
  expect(failed.ok).toBe(false);
  failedId = failed.executionId;
  expect((await scope.runTool('add', { a: 2, b: 2 })).ok).toBe(true);
  await engine.app.forPersona('bob').createTool({ name: 'bobs', description: 'b', code: 'export default () => 1;' });
  await engine.app.forPersona('bob').runTool('bobs', {});
});
afterAll(() => engine.close());

describe('chameleon logs (in process)', () => {
  it('prints a table of the log, oldest first, one line per execution, nothing a terminal would obey', async () => {
    const { code, rt } = await runCli(['logs', '--db', engine.dbPath]);
    expect(code).toBe(0);
    const lines = rt.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME \(UTC\)\s+ID\s+TOOL\s+STATUS\s+KIND\s+DURATION\s+MESSAGE$/);
    expect(lines.slice(1).map((l) => /(\w+@\d)\s+(SUCCESS|FAILURE)/.exec(l)?.slice(1).join(' '))).toEqual(['add@1 SUCCESS', 'hostile@1 FAILURE', 'add@1 SUCCESS']);
    expect(lines[2]).toMatch(/exception .* Error: bad red .* line \(hostile\.ts:3:\d+\)/);
    expect(rt.out()).not.toMatch(UNSAFE);
    expect(rt.out()).not.toContain('bobs');
  });

  it('filters by tool, status, time and count, and by persona', async () => {
    const byTool = await runCli(['logs', '--db', engine.dbPath, '--tool', 'add']);
    expect(byTool.rt.out().trimEnd().split('\n')).toHaveLength(3);
    const failures = await runCli(['logs', '--db', engine.dbPath, '--status', 'failure']);
    expect(failures.rt.out().trimEnd().split('\n')).toHaveLength(2);
    const limited = await runCli(['logs', '--db', engine.dbPath, '--limit', '1']);
    expect(limited.rt.out()).toMatch(/add@1\s+SUCCESS/);
    expect(limited.rt.out().trimEnd().split('\n')).toHaveLength(2);
    const future = await runCli(['logs', '--db', engine.dbPath, '--since', '2999-01-01T00:00:00Z']);
    expect(future.rt.out()).toBe('');
    expect(future.rt.err()).toMatch(/No executions since 2999-01-01T00:00:00\.000Z for persona default/);
    const bob = await runCli(['logs', '--db', engine.dbPath, '--persona', 'bob']);
    expect(bob.rt.out()).toMatch(/bobs@1\s+SUCCESS/);
  });

  it('shows one execution in full with --id, by full id or by the short id of the table', async () => {
    for (const id of [failedId, failedId.slice(0, 11)]) {
      const { code, rt } = await runCli(['logs', '--db', engine.dbPath, '--id', id]);
      expect(code).toBe(0);
      const out = rt.out();
      expect(out).toContain(`Execution ${failedId}`);
      expect(out).toContain('Traceback (most recent call last):');
      expect(out).toMatch(/File "hostile\.ts", line 3, column \d+, in default\n\s+throw new Error/);
      expect(out).toMatch(/> 3 \|/);
      expect(out).toContain('Console output:');
      expect(out).toContain('screen wiped');
      expect(out).not.toMatch(UNSAFE);
    }
  });

  it('refuses an unknown id, another persona\'s id, and a missing database', async () => {
    await expect(runCli(['logs', '--db', engine.dbPath, '--id', 'ex_nope'])).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND' });
    await expect(runCli(['logs', '--db', engine.dbPath, '--persona', 'bob', '--id', failedId])).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND' });
    const missing = path.join(engine.dir, 'missing.db');
    await expect(runCli(['logs', '--db', missing])).rejects.toThrow(/No database at .*missing\.db/);
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('--follow prints new executions as they are written, until interrupted', async () => {
    const rt = fakeRuntime();
    const running = runCli(['logs', '--db', engine.dbPath, '--tool', 'add', '--follow', '--interval', '50'], rt);
    await waitFor(() => rt.out().split('\n').length > 3);
    const before = rt.out();
    await scope.runTool('add', { a: 40, b: 2 });
    await scope.runTool('hostile', { s: 'x' });
    await waitFor(() => rt.out().length > before.length);
    await new Promise((r) => setTimeout(r, 200));
    rt.interrupt();
    expect((await running).code).toBe(0);
    const added = rt.out().slice(before.length).trimEnd().split('\n');
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/add@1\s+SUCCESS .*\{"sum":42\}/);
  });
});

describe('chameleon logs --follow --limit', () => {
  it('prints the newest rows, then only rows written after it started, never the rest of the history', async () => {
    expect((await scope.listExecutions({})).length).toBeGreaterThan(4);
    const rt = fakeRuntime();
    const running = runCli(['logs', '--db', engine.dbPath, '--follow', '--limit', '2', '--interval', '50'], rt);
    await waitFor(() => rt.out().split('\n').length > 3);
    // Several polls, each of which used to print the older history under the table.
    await new Promise((r) => setTimeout(r, 400));
    const before = rt.out();
    expect(before.trimEnd().split('\n')).toHaveLength(3);
    await scope.runTool('add', { a: 5, b: 5 });
    await waitFor(() => rt.out().length > before.length);
    await new Promise((r) => setTimeout(r, 200));
    rt.interrupt();
    expect((await running).code).toBe(0);
    const added = rt.out().slice(before.length).trimEnd().split('\n');
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/add@1\s+SUCCESS .*\{"sum":10\}/);
  });
});

describe('chameleon logs (the built CLI)', () => {
  it('prints the table for a real database', () => {
    const r = spawnCli(['logs', '--db', engine.dbPath]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/hostile@1\s+FAILURE\s+exception/);
    expect(r.stdout).not.toMatch(UNSAFE);
  });

  it('exits 2 with a readable message for a missing database', () => {
    const r = spawnCli(['logs', '--db', path.join(engine.dir, 'nope.db')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/No database at/);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
