import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let scope: PersonaScope;

const FIB_BROKEN = [
  'function fib(n: number): number {',
  '  if (n < 2) return n;',
  '  const memo: Record<number, number> | undefined = undefined;',
  '  return memo![n - 1] + fib(n - 2);',
  '}',
  '',
  'export default function (args: { n: number }) {',
  '  return { value: fib(args.n) };',
  '}',
].join('\n');

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
  await scope.createTool({ name: 'fibonacci', description: 'fib', code: FIB_BROKEN, inputSchema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } });
  await scope.createTool({ name: 'other', description: 'other', code: 'export default () => "fine";' });
});
afterAll(() => engine.close());

describe('the execution log', () => {
  it('writes one row per call with every field', async () => {
    const out = await scope.runTool('fibonacci', { n: 5 });
    const row = await scope.getExecution(out.executionId);
    expect(row).toMatchObject({
      id: out.executionId,
      persona: 'default',
      toolName: 'fibonacci',
      operation: 'call',
      version: 1,
      argumentsJson: '{"n":5}',
      status: 'FAILURE',
      errorKind: 'exception',
      errorName: 'TypeError',
    });
    expect(row.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.frames?.[0]).toMatchObject({ function: 'fib', file: 'fibonacci.ts', line: 4 });
    expect(row.rawStack).toMatch(/chameleon\/default\/fibonacci@1\.js/);
    expect(row.codeFrame).toMatch(/> 4 \|/);
  });

  it('logs argument-validation failures before anything runs', async () => {
    const out = await scope.runTool('fibonacci', { n: 'five' });
    expect(out).toMatchObject({ ok: false, failure: { kind: 'invalid_arguments' } });
    expect(await scope.getExecution(out.executionId)).toMatchObject({ errorKind: 'invalid_arguments', argumentsJson: '{"n":"five"}' });
  });
});

describe('group commit', () => {
  it('logs every one of 32 concurrent calls, each before it returns', async () => {
    const outs = await Promise.all(Array.from({ length: 32 }, (_, i) => scope.runTool('fibonacci', { n: i % 2 ? 1 : 'bad' })));
    for (const out of outs) expect((await scope.getExecution(out.executionId)).id).toBe(out.executionId);
  });
});

describe('getLastError()', () => {
  it('returns a Python-style traceback in the agent\'s own lines', async () => {
    await scope.runTool('fibonacci', { n: 6 });
    const last = await scope.getLastError('fibonacci');
    expect(last).not.toBeNull();
    expect(last!.error.frames[0]).toMatchObject({ function: 'fib', line: 4 });
    expect(last!.text).toMatch(/Traceback \(most recent call last\):/);
    expect(last!.text).toMatch(/File "fibonacci\.ts", line 4/);
    expect(last!.text).toMatch(/TypeError: Cannot read properties of undefined/);
    expect(last!.text).toMatch(/memo!\[n - 1\]/);
    expect(last!.arguments).toEqual({ n: 6 });
  });

  it('is null when the tool has never failed', async () => {
    await scope.runTool('other', {});
    expect(await scope.getLastError('other')).toBeNull();
  });
});

describe('listExecutions()', () => {
  it('filters by tool, status, time and limit, newest first', async () => {
    const before = new Date().toISOString();
    await scope.runTool('other', {});
    await scope.runTool('other', {});
    const rows = await scope.listExecutions({ toolName: 'other', status: 'SUCCESS', since: before });
    expect(rows).toHaveLength(2);
    expect(rows[0]!.timestamp >= rows[1]!.timestamp).toBe(true);
    expect(await scope.listExecutions({ limit: 1 })).toHaveLength(1);
    expect((await scope.listExecutions({ status: 'FAILURE' })).every((r) => r.status === 'FAILURE')).toBe(true);
  });

  it('refuses a since that is not a time', async () => {
    await expect(scope.listExecutions({ since: 'yesterday' })).rejects.toThrow(/ISO 8601/);
  });

  it('says how to find an id that does not exist', async () => {
    await expect(scope.getExecution('ex_nope')).rejects.toThrow(/list_executions/);
  });
});
