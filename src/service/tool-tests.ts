/**
 * Declared tests of a tool (issue 17, item 3): `tests: [{ name?, arguments, expect? }]`, saved
 * with the version and run by the regression gate before a later update goes live. Checked
 * when they are saved: bounded in count and size, each `arguments` valid against the version's
 * own input schema (a test that could never run is refused now, not at the next update).
 */
import { createHash } from 'node:crypto';

import { AppError } from '../errors.js';
import type { FailureKind, ToolTest } from '../model.js';
import { canonicalJsonValue } from '../store/index.js';
import type { ArgumentValidator } from './arguments.js';

/** Tests one version may carry: each runs before every update goes live, so they must stay quick to run all of. */
export const MAX_TESTS = 50;
/** All of a version's tests together, as JSON (they are stored with it and hashed). */
export const MAX_TESTS_BYTES = 256 * 1024;
const MAX_TEST_NAME = 200;

export const FAILURE_KIND_NAMES: readonly FailureKind[] = ['compile', 'exception', 'timeout', 'memory', 'invalid_arguments', 'invalid_result', 'internal', 'overloaded'];

/** What a test expects of its call. */
export type Expectation = { kind: 'success' } | { kind: 'error'; errorKind: FailureKind } | { kind: 'result'; value: unknown };

/**
 * `expect` absent: success. An object whose only key is `error_kind`, naming a failure kind:
 * that failure. Anything else (null included): the result, compared as JSON.
 */
export function expectationOf(test: ToolTest): Expectation {
  if (!('expect' in test) || test.expect === undefined) return { kind: 'success' };
  const e = test.expect;
  if (e !== null && typeof e === 'object' && !Array.isArray(e)) {
    const keys = Object.keys(e);
    const kind = (e as Record<string, unknown>).error_kind;
    if (keys.length === 1 && keys[0] === 'error_kind' && FAILURE_KIND_NAMES.includes(kind as FailureKind)) return { kind: 'error', errorKind: kind as FailureKind };
  }
  return { kind: 'result', value: e };
}

/** Deep JSON equality, key order ignored (both sides as they survive JSON). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonicalJsonValue(a)) === JSON.stringify(canonicalJsonValue(b));
}

/**
 * The tests as stored, or a refusal (INVALID_ARGUMENT) naming the test and what to change.
 * `[]` means none (an update with `tests: []` removes them).
 */
export function checkTests(validator: ArgumentValidator, input: unknown, inputSchema: Record<string, unknown>): ToolTest[] {
  if (!Array.isArray(input)) throw new AppError('INVALID_ARGUMENT', 'tests must be an array of { name?, arguments, expect? }.');
  if (input.length > MAX_TESTS) throw new AppError('INVALID_ARGUMENT', `tests has ${input.length} entries; a version may carry at most ${MAX_TESTS}. Keep the cases that guard behaviour you rely on.`);
  const bytes = Buffer.byteLength(JSON.stringify(input) ?? '');
  if (bytes > MAX_TESTS_BYTES) throw new AppError('INVALID_ARGUMENT', `tests are ${bytes} bytes of JSON; the limit is ${MAX_TESTS_BYTES}. Use smaller arguments and expected results.`);
  // The validator caches compiled schemas by key; the version's hash does not exist yet.
  const schemaKey = `tests:${createHash('sha256').update(JSON.stringify(canonicalJsonValue(inputSchema))).digest('hex')}`;
  return input.map((raw: unknown, i) => {
    const where = `tests[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new AppError('INVALID_ARGUMENT', `${where} must be an object { name?, arguments, expect? }.`);
    const { name, arguments: args, expect, ...rest } = raw as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new AppError('INVALID_ARGUMENT', `${where} has unknown key${extra.length === 1 ? '' : 's'} ${extra.map((k) => JSON.stringify(k)).join(', ')}; a test has name, arguments and expect.`);
    if (name !== undefined && (typeof name !== 'string' || name.length > MAX_TEST_NAME)) throw new AppError('INVALID_ARGUMENT', `${where}.name must be a string of at most ${MAX_TEST_NAME} characters.`);
    const checked = validator.validate(schemaKey, inputSchema, args);
    if ('problem' in checked) {
      throw new AppError('INVALID_ARGUMENT', `${where}${name === undefined ? '' : ` (${name})`}.arguments would be refused by the tool's input_schema, so the test could never run: ${checked.problem.message}`);
    }
    const test: ToolTest = { ...(name === undefined ? {} : { name: name }), arguments: JSON.parse(checked.json) as Record<string, unknown> };
    if (expect !== undefined) test.expect = expect;
    return test;
  });
}

/** `tests[2] "empty input"` or `tests[2]`: how a report names a test. */
export function testLabel(test: ToolTest, index: number): string {
  return test.name === undefined ? `tests[${index}]` : `tests[${index}] ${JSON.stringify(test.name)}`;
}
