/**
 * Issue 13, item 5: a call stopped at its CPU-time limit says where its CPU was, from V8's
 * CPU samples (frames marked `sampled`), in get_last_error's frames and text and in the log;
 * a call that could not be sampled says why and what to do. The fixtures timeout_*.ts and
 * memory_growing_cache.ts pin the positions; this file pins the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureOut, FrameOut } from '../../src/mcp/schemas.js';
import { failureOut, lastErrorOut } from '../../src/mcp/convert.js';
import type { PersonaScope } from '../../src/service/index.js';
import { NOT_SAMPLED } from '../../src/service/timeout-failure.js';
import { SAMPLED_HEADING } from '../../src/traceback/format.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

/** Quick unless asked to spin: its quick calls earn the fast path (worker/fast-path.ts). */
const SOMETIMES_SPINS = `
function walk(n) {
  let x = 0;
  while (n > 0) { x = (x * 7 + n) % 1013; }
  return x;
}
export default function (args) {
  return { x: args.spin ? walk(args.n) : 0 };
}`;

async function create(name: string, code: string, timeoutMs: number): Promise<void> {
  const created = await scope.createTool({ name, description: name, code, language: 'javascript', timeoutMs });
  if (!created.ok) throw new Error(`create failed: ${JSON.stringify(created.failure)}`);
}

async function failureOf(name: string, args: Record<string, unknown>) {
  const out = await scope.runTool(name, args);
  if (out.ok) throw new Error(`expected a failure, got ${out.resultJson}`);
  return out;
}

/**
 * The next failures of a spinning tool until one is sampled (at most `tries`): on a loaded
 * machine a spin can meet the wall clock before its CPU limit, which loses its samples.
 */
async function sampledFailureOf(name: string, args: Record<string, unknown>, tries = 4) {
  let out = await failureOf(name, args);
  for (let i = 1; i < tries && out.failure.frames.length === 0; i++) out = await failureOf(name, args);
  return out;
}

const WALL_CLOCK = /deadline \(wall clock\)/;
/** A version's first timeout: not sampled, and says how to learn where (or met the wall clock first). */
const FIRST_TIMEOUT = new RegExp(`${NOT_SAMPLED.first_timeout.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|${WALL_CLOCK.source}`);

describe('a call stopped at its CPU-time limit', () => {
  it('names the function its CPU was in, with its share of the samples, as sampled frames in get_last_error and the log', async () => {
    await create('spins_first', SOMETIMES_SPINS, 300);
    // Only a call that follows a timeout of its version is sampled (worker/cpu-profile.ts).
    const first = await failureOf('spins_first', { spin: true, n: 1 });
    if (!WALL_CLOCK.test(first.failure.message)) {
      expect(first.failure.message).toBe(`The call used more than its 300 ms CPU-time limit. Look for an infinite loop or unbounded recursion, or raise timeout_ms. ${NOT_SAMPLED.first_timeout}`);
    }
    expect(first.failure.frames).toEqual([]);
    const { failure, executionId } = await sampledFailureOf('spins_first', { spin: true, n: 1 });
    expect(failure.kind).toBe('timeout');
    expect(failure.message).toMatch(/^The call used more than its 300 ms CPU-time limit\. \d+% of the CPU samples of its last \d+ ms were in walk \(spins_first\.js:2:14, where that function starts\)\. Look for/);
    expect(failure.frames).toEqual([
      { function: 'walk', tool: 'spins_first', version: 1, file: 'spins_first.js', line: 2, column: 14, sampled: true },
      { function: 'default', tool: 'spins_first', version: 1, file: 'spins_first.js', line: 7, column: 25, sampled: true },
    ]);
    expect(failure.codeFrame).toMatch(/> 2 \| function walk\(n\) \{\n +\| +\^/);
    expect(failure.details).toMatchObject({ cpuSamples: { hot: [{ function: 'walk', line: 2, column: 14 }] } });

    const last = await scope.getLastError('spins_first');
    if (last === null) throw new Error('no last error');
    expect(last.error.frames).toEqual(failure.frames);
    expect(last.text).toContain(SAMPLED_HEADING);
    expect(last.text).toContain('File "spins_first.js", line 2, column 14, in walk');
    // What the agent receives over MCP validates against the announced schemas, flag included.
    const out = lastErrorOut(last);
    expect(FailureOut.parse(out.error).frames[0]).toMatchObject({ function: 'walk', sampled: true });
    expect(FrameOut.parse(failureOut(failure).frames[1])).toMatchObject({ function: 'default', sampled: true });

    expect((await scope.getExecution(executionId)).frames).toEqual(failure.frames);
  });

  it('on the fast path says it was not sampled and what to do; the next call of the version is sampled', async () => {
    await create('spins_later', SOMETIMES_SPINS, 300);
    // Quick calls earn the fast path; the spacing lets the sandbox's memory watchdog come up
    // (no call runs synchronously before it has).
    for (let i = 0; i < 4; i++) {
      const quick = await scope.runTool('spins_later', { spin: false });
      expect(quick.ok).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The fast path has no wall-clock timer: its spin always meets the CPU limit.
    const unsampled = await failureOf('spins_later', { spin: true, n: 1 });
    expect(unsampled.failure.kind).toBe('timeout');
    expect(unsampled.failure.message).toContain(NOT_SAMPLED.fast_path);
    expect(unsampled.failure.frames).toEqual([]);

    const sampled = await sampledFailureOf('spins_later', { spin: true, n: 1 });
    expect(sampled.failure.message).toMatch(/% of the CPU samples/);
    expect(sampled.failure.frames[0]).toMatchObject({ function: 'walk', line: 2, sampled: true });
  });

  it('samples only the call after a timeout: the tool serves quick calls again, and other failures have no sampled frames', async () => {
    await create('spins_then_throws', SOMETIMES_SPINS.replace('return { x:', 'if (args.fail) null.x;\n  return { x:'), 300);
    await failureOf('spins_then_throws', { spin: true, n: 1 });
    // The sampled call succeeds; the next timeout is a first one again.
    for (let i = 0; i < 3; i++) expect((await scope.runTool('spins_then_throws', { spin: false })).ok).toBe(true);
    expect((await failureOf('spins_then_throws', { spin: true, n: 1 })).failure.message).toMatch(FIRST_TIMEOUT);
    const thrown = await failureOf('spins_then_throws', { fail: true });
    expect(thrown.failure.kind).toBe('exception');
    expect(thrown.failure.frames.length).toBeGreaterThan(0);
    expect(thrown.failure.frames.some((f) => f.sampled === true)).toBe(false);
  });
});

describe('a call stopped at its memory limit', () => {
  it('names the limit and says why no place can be given', async () => {
    const created = await scope.createTool({
      name: 'grows',
      description: 'grows',
      code: 'export default function () { const keep = []; for (;;) keep.push(new Array(100000).fill(1)); }',
      language: 'javascript',
      memoryMb: 16,
    });
    if (!created.ok) throw new Error(JSON.stringify(created.failure));
    const { failure } = await failureOf('grows', {});
    expect(failure.kind).toBe('memory');
    expect(failure.frames).toEqual([]);
    expect(failure.message).toMatch(/16 MB memory limit .* more than 16 MB\. Chameleon cannot say where it was allocating/);
    expect(failure.message).toMatch(/raise memory_mb/);
  });
});
