import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { closest, describeProblem } from '../../../src/service/argument-problems.js';

describe('closest()', () => {
  it.each<[string, string[], string | null]>([
    ['max_chars', ['text', 'maxChars'], 'maxChars'],
    ['MAX-CHARS', ['maxChars'], 'maxChars'],
    ['lenght', ['length', 'text'], 'length'],
    ['txt', ['text', 'maxChars'], 'text'],
    ['colour', ['text', 'maxChars'], null],
    ['a', ['b'], null],
    ['', ['text'], null],
  ])('closest(%j, %j) is %j', (name, known, expected) => {
    expect(closest(name, known)).toBe(expected);
  });
});

describe('describeProblem()', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const problems = (schema: Record<string, unknown>, args: unknown) => {
    const validate = ajv.compile(schema);
    expect(validate(args)).toBe(false);
    return (validate.errors ?? []).map((e) => describeProblem(e, schema, args));
  };

  it('follows $ref-free nesting and property names that need escaping in a pointer', () => {
    const schema = { type: 'object', properties: { 'a/b': { type: 'object', properties: { deepKey: {} }, additionalProperties: false } } };
    expect(problems(schema, { 'a/b': { deep_key: 1 } })).toEqual(['arguments.a/b has an unexpected property deep_key; the schema has deepKey']);
  });

  it('names a property without suggesting when the schema has none here', () => {
    expect(problems({ type: 'object', additionalProperties: false }, { x: 1 })).toEqual(['arguments has an unexpected property x']);
  });

  it('quotes a name that is not an identifier, and keeps other keywords as ajv says them', () => {
    expect(problems({ type: 'object', properties: { n: { type: 'integer' } }, additionalProperties: false }, { 'bad\nname': 1, n: 'x' })).toEqual([
      'arguments has an unexpected property "bad\\nname"; the schema has n',
      'arguments.n must be integer',
    ]);
  });
});
