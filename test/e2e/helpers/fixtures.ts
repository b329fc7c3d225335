/** Tool sources shared by the e2e tests. */

/** mean of an empty list dereferences `undefined` on line 5, column 17. */
export const BROKEN_MEAN = [
  'type Args = { values: number[] };',
  '',
  'function mean(xs: number[]): number {',
  '  const first = xs[0] as unknown as { valueOf(): number } | undefined;',
  '  return first!.valueOf() / xs.length;',
  '}',
  '',
  'export default function (args: Args) {',
  '  return { mean: mean(args.values) };',
  '}',
].join('\n');

export const FIXED_MEAN = BROKEN_MEAN.replace(
  '  const first = xs[0] as unknown as { valueOf(): number } | undefined;\n  return first!.valueOf() / xs.length;',
  '  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;',
);

export const MEAN_SCHEMA = {
  type: 'object',
  properties: { values: { type: 'array', items: { type: 'number' } } },
  required: ['values'],
};

export const meanTool = (name = 'mean_tool') => ({ name, description: 'The mean of a list of numbers.', code: BROKEN_MEAN, input_schema: MEAN_SCHEMA });
