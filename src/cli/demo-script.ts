/**
 * What the scripted agent of `chameleon demo` writes: a TypeScript `fibonacci` tool with an
 * off-by-one in its memo table, and the patch. Kept apart from the runner so that tests and the
 * docs can quote the same text.
 */

export const TOOL_NAME = 'fibonacci';

export const DESCRIPTION = 'The n-th Fibonacci number (fibonacci(0) = 0, fibonacci(1) = 1), computed bottom-up with a memo table.';

export const INPUT_SCHEMA = {
  type: 'object',
  properties: { n: { type: 'integer', minimum: 0, maximum: 78, description: 'Which Fibonacci number (exact up to 78).' } },
  required: ['n'],
  additionalProperties: false,
} as const;

export const BUGGY_LINE = '  return memo[n + 1].value;';
export const FIXED_LINE = '  return memo[n].value;';
/** The agent's first patch attempt: right for n = 30 by luck of the table, wrong for the declared tests. */
export const WRONG_FIX_LINE = '  return memo[n - 1].value;';

/** Declared at create; the regression gate runs them before any patch goes live. */
export const TESTS = [
  { name: 'fibonacci(0) = 0', arguments: { n: 0 }, expect: { n: 0, value: 0 } },
  { name: 'fibonacci(10) = 55', arguments: { n: 10 }, expect: { n: 10, value: 55 } },
];

/** Line 9 reads one entry past the end of the memo table. */
export const BUG_LINE_NUMBER = 9;

export const BUGGY_SOURCE = [
  '// The n-th Fibonacci number, bottom-up with a memo table.',
  'type Entry = { value: number };',
  '',
  'function fibonacci(n: number): number {',
  '  const memo: Entry[] = [{ value: 0 }, { value: 1 }];',
  '  for (let i = 2; i <= n; i++) {',
  '    memo[i] = { value: memo[i - 1].value + memo[i - 2].value };',
  '  }',
  BUGGY_LINE,
  '}',
  '',
  'export default function ({ n }: { n: number }) {',
  '  return { n, value: fibonacci(n) };',
  '}',
  '',
].join('\n');

export const FIXED_SOURCE = BUGGY_SOURCE.replace(BUGGY_LINE, FIXED_LINE);

/** The call the agent makes, and the answer it must get once the tool is fixed. */
export const CALL_ARGUMENTS = { n: 30 } as const;
export const EXPECTED_VALUE = 832_040;
