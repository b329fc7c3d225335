/**
 * Issue 13, item 6: an error's cause chain, an AggregateError's members (each with its own
 * frames in the agent's lines), its JSON-safe own properties, and the element of a Promise.all
 * that failed are all kept: in the failure, in the log, in get_last_error and its text. The
 * fixtures cause_chain.ts, aggregate_members.ts and promise_all_index.ts pin the positions;
 * this file pins the rest, bounds included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Failure, LinkedError } from '../../src/model.js';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

async function failureOf(name: string, code: string, args: Record<string, unknown> = {}): Promise<{ failure: Failure; executionId: string }> {
  const created = await scope.createTool({ name, description: name, code });
  if (!created.ok) throw new Error(`create failed: ${JSON.stringify(created.failure)}`);
  const out = await scope.runTool(name, args);
  if (out.ok) throw new Error(`expected a failure, got ${out.resultJson}`);
  return out;
}

const CHAIN = [
  'function load(text: string) {',
  '  try { return JSON.parse(text); }',
  "  catch (err) { throw new Error('settings are not JSON', { cause: err }); }",
  '}',
  'export default (a: { text: string }) => {',
  '  try { return load(a.text); }',
  '  catch (err) {',
  "    const e = new Error('start failed', { cause: err }) as Error & Record<string, unknown>;",
  "    e.code = 'E_START'; e.status = 503; e.details = { retry: false, tries: [1, 2] };",
  '    throw e;',
  '  }',
  '};',
].join('\n');

describe('a cause chain', () => {
  it('keeps every link with its own frames, and the properties, in the failure, the log and get_last_error', async () => {
    const { failure, executionId } = await failureOf('chain', CHAIN, { text: '{' });
    expect(failure).toMatchObject({ name: 'Error', message: 'start failed', frames: [{ line: 8 }] });
    expect(failure.properties).toEqual({ code: 'E_START', status: 503, details: { retry: false, tries: [1, 2] } });
    expect(failure.cause).toMatchObject({ name: 'Error', message: 'settings are not JSON', frames: [{ function: 'load', line: 3 }, { line: 6 }] });
    expect(failure.cause?.cause).toMatchObject({ name: 'SyntaxError', frames: [{ function: 'load', line: 2, column: 21 }, { line: 6 }] });

    expect((await scope.getExecution(executionId)).errorFacts).toEqual({ properties: failure.properties, cause: failure.cause });
    const last = (await scope.getLastError('chain'))!;
    expect(last.error).toMatchObject({ properties: failure.properties, cause: failure.cause });
    expect(last.text).toContain('Properties: {"code":"E_START","status":503,"details":{"retry":false,"tries":[1,2]}}');
    expect(last.text).toMatch(/\nCaused by: Error: settings are not JSON\n {2}at load \(chain\.ts:3:\d+\)/);
    expect(last.text).toMatch(/\n {2}Caused by: SyntaxError: .*JSON.*\n {4}at load \(chain\.ts:2:21\)/);
  });

  it('describes a cause that is not an Error by its type and JSON', async () => {
    const { failure } = await failureOf('value_cause', "export default () => { throw new Error('upstream', { cause: { status: 502, body: 'bad gateway' } }); };");
    expect(failure.cause).toEqual({ name: 'object', message: '{"status":502,"body":"bad gateway"}', frames: [], thrown: { type: 'object', json: '{"status":502,"body":"bad gateway"}' } });
  });

  it('describes each error of a cycle once', async () => {
    const code = "export default () => { const a = new Error('a') as any; const b = new Error('b', { cause: a }); a.cause = b; throw a; };";
    const { failure } = await failureOf('cycle_cause', code);
    expect(failure.cause).toMatchObject({ message: 'b', cause: { message: 'a', circular: true, frames: [] } });
    expect(failure.cause?.cause?.cause).toBeUndefined();
  });

  it('stops at 16 linked errors however long the chain, and keeps the text bounded', async () => {
    const code = "export default () => { let e: Error = new Error('root'); for (let i = 0; i < 100; i++) e = new Error('level ' + i, { cause: e }); throw e; };";
    const { failure } = await failureOf('long_chain', code);
    let depth = 0;
    for (let at: LinkedError | undefined = failure.cause; at; at = at.cause) depth++;
    expect(depth).toBe(16);
    const text = (await scope.getLastError('long_chain'))!.text;
    expect(text.length).toBeLessThan(20_000);
  });
});

describe('an AggregateError', () => {
  it("keeps Promise.any's members, each with its frames (the aggregate itself has none)", async () => {
    const code = [
      'async function mirror(name: string): Promise<string> {',
      '  await null;',
      "  if (name === 'a') throw new Error('a is down');",
      "  throw new TypeError('b answered garbage');",
      '}',
      "export default async () => Promise.any([mirror('a'), mirror('b')]);",
    ].join('\n');
    const { failure } = await failureOf('any_mirror', code);
    expect(failure).toMatchObject({ name: 'AggregateError', frames: [] });
    expect(failure.errors?.map((e) => [e.name, e.message, e.frames[0]?.function, e.frames[0]?.line])).toEqual([
      ['Error', 'a is down', 'mirror', 3],
      ['TypeError', 'b answered garbage', 'mirror', 4],
    ]);
    // Which element each member came from, as V8 says it.
    expect(failure.errors?.map((e) => e.frames[1]?.function)).toEqual(['Promise.any (index 0)', 'Promise.any (index 1)']);
    const text = (await scope.getLastError('any_mirror'))!.text;
    expect(text).toMatch(/\nErrors \(2\):\n {2}\[0\] Error: a is down\n {6}at mirror \(any_mirror\.ts:3:\d+\)/);
  });

  it('describes the first 10 members and counts the rest', async () => {
    const code = "export default () => { throw new AggregateError(Array.from({ length: 25 }, (_, i) => new Error('m' + i)), 'many'); };";
    const { failure } = await failureOf('many_members', code);
    expect(failure.errors?.map((e) => e.message)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(failure.errorsOmitted).toBe(15);
  });
});

describe("an error's own properties", () => {
  it('keeps what JSON keeps as it is, and never calls a getter', async () => {
    const code = [
      'export default () => {',
      "  const e = new Error('with props') as Error & Record<string, unknown>;",
      "  Object.assign(e, { code: 'E1', ok: true, nothing: null, list: [1, 'x'], when: new Date(0), fn() {}, map: new Map(), nan: NaN, big: 'x'.repeat(5000) });",
      "  Object.defineProperty(e, 'lazy', { enumerable: true, get() { throw new Error('getter was called'); } });",
      '  throw e;',
      '};',
    ].join('\n');
    const { failure } = await failureOf('props', code);
    expect(failure.message).toBe('with props');
    expect(failure.properties).toEqual({ code: 'E1', ok: true, nothing: null, list: [1, 'x'], when: '1970-01-01T00:00:00.000Z', big: '[5002 characters of JSON, left out]' });
  });
});

describe('a failed element of Promise.all', () => {
  it('is named in the frames, at the await of Promise.all', async () => {
    const code = [
      'async function check(n: number) { await null; if (n > 2) throw new RangeError(`too big: ${n}`); return n; }',
      'export default async (a: { ns: number[] }) => {',
      '  const checked = await Promise.all(a.ns.map((n) => check(n)));',
      '  return checked;',
      '};',
    ].join('\n');
    const { failure } = await failureOf('all_index', code, { ns: [1, 2, 3] });
    expect(failure.frames.map((f) => [f.function, f.line])).toEqual([
      ['check', 1],
      ['Promise.all (index 2)', 3],
      ['default', 3],
    ]);
    expect(failure.frames[1]!.column).toBe(failure.frames[2]!.column);
    expect((await scope.getLastError('all_index'))!.text).toContain('in Promise.all (index 2)');
  });
});
