import { expect } from 'vitest';
import type { CapabilitiesInput } from '../../src/capabilities/manifest.js';
import type { Failure } from '../../src/model.js';
import type { PersonaScope, RunOutcome } from '../../src/service/index.js';

/**
 * Tools written for the capability tests (issue 14): code given as lines, so that a test can
 * say which line a failure must point at by the text on it (`lineOf`), not by a number that
 * drifts when the fixture changes.
 */
export interface ToolFixture {
  name: string;
  lines: string[];
  capabilities?: CapabilitiesInput;
  timeoutMs?: number;
}

/** Creates the tool (it must not exist yet); fails the test, with the reason, if refused. */
export async function createToolFrom(scope: PersonaScope, fixture: ToolFixture): Promise<void> {
  const made = await scope.createTool({
    name: fixture.name,
    description: 'A capability test tool.',
    code: fixture.lines.join('\n'),
    ...(fixture.capabilities ? { capabilities: fixture.capabilities } : {}),
    ...(fixture.timeoutMs === undefined ? {} : { timeoutMs: fixture.timeoutMs }),
  });
  expect(made.ok, made.ok ? '' : made.failure.message).toBe(true);
}

/** Creates the tool and calls it once with `args`. */
export async function runFixture(scope: PersonaScope, fixture: ToolFixture, args: unknown = {}): Promise<RunOutcome> {
  await createToolFrom(scope, fixture);
  return scope.runTool(fixture.name, args);
}

/** The 1-based line of the only line of `lines` that contains `text`. */
export function lineOf(lines: readonly string[], text: string): number {
  const found = lines.flatMap((line, i) => (line.includes(text) ? [i + 1] : []));
  if (found.length !== 1) throw new Error(`lineOf: ${JSON.stringify(text)} is on ${found.length} lines of the fixture, not one`);
  return found[0]!;
}

/** The result of a call that must have succeeded (the failure is the assertion's message). */
export function resultOf(out: RunOutcome): unknown {
  expect(out.ok, out.ok ? '' : `${out.failure.kind} ${out.failure.name}: ${out.failure.message}`).toBe(true);
  return (out as Extract<RunOutcome, { ok: true }>).result;
}

/** The failure of a call that must have failed. */
export function failureOf(out: RunOutcome): Failure {
  expect(out.ok, out.ok ? `succeeded with ${out.resultJson}` : '').toBe(false);
  return (out as Extract<RunOutcome, { ok: false }>).failure;
}

/**
 * Asserts a located failure: kind `exception`, the error's name, and the tool's line that
 * asked (`await fetch(...)`, `await ctx.kv.set(...)`) as the first frame. Returns the message.
 */
export function expectLocated(out: RunOutcome, fixture: ToolFixture, at: string, name: string): string {
  const failure = failureOf(out);
  expect({ kind: failure.kind, name: failure.name }, failure.message).toEqual({ kind: 'exception', name });
  expect(failure.frames[0], failure.rawStack ?? '').toMatchObject({ tool: fixture.name, line: lineOf(fixture.lines, at) });
  return failure.message;
}
