import fs from 'node:fs';
import { Ajv } from 'ajv';
import { expect, it } from 'vitest';
// @ts-expect-error -- a plain ES module script, without types
import { CHECK_OPTIONS, generate, TARGET } from '../../../scripts/generate-schema-validator.mjs';
import { validate } from '../../../src/service/json-schema-draft07.generated.js';
import { createArgumentValidator } from '../../../src/service/arguments.js';

it('is the code the generator writes with the installed ajv', () => {
  expect(fs.readFileSync(TARGET as string, 'utf8'), 'out of date: run node scripts/generate-schema-validator.mjs').toBe((generate as () => string)());
});

const SCHEMAS: unknown[] = [
  { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] },
  { type: 'object', properties: { a: { type: 'no-such-type' } } },
  { type: 'object', required: 'a' },
  { type: 'object', properties: { a: { enum: [] } }, minProperties: -1 },
  { type: 'object', properties: { a: { $ref: '#/definitions/x' } }, definitions: { x: { type: ['string', 'nope'] } } },
  { type: 'object', additionalProperties: { type: 'string', pattern: 7 }, uniqueItems: 'yes' },
  { type: 'object', $schema: 'http://json-schema.org/draft-07/schema#', const: { deep: [1, 2] } },
];

it("finds what ajv's own meta-schema check finds, error for error", () => {
  const ajv = new Ajv(CHECK_OPTIONS as { allErrors: boolean; strict: boolean });
  for (const schema of SCHEMAS) {
    const ours = validate(schema);
    const theirs = ajv.validateSchema(schema as object) as boolean;
    expect(ours, JSON.stringify(schema)).toBe(theirs);
    expect((validate as unknown as { errors: unknown }).errors ?? null, JSON.stringify(schema)).toEqual(ajv.errors ?? null);
  }
});

it("words a refused schema as ajv's compile did", () => {
  const validator = createArgumentValidator({ maxArgumentsBytes: 1024 });
  const schema = { type: 'object', properties: { a: { type: 'no-such-type' } } };
  let theirs = '';
  try {
    new Ajv({ allErrors: true, strict: false, validateSchema: true }).compile(schema);
  } catch (err) {
    theirs = (err as Error).message;
  }
  expect(theirs).toMatch(/^schema is invalid: data\/properties\/a\/type must be/);
  expect(() => validator.checkSchema(schema)).toThrow(`input_schema is not a valid JSON Schema: ${theirs}. Fix the schema and try again.`);
  // Another meta-schema: ajv's own check, and its own words.
  expect(() => validator.checkSchema({ type: 'object', $schema: 'https://json-schema.org/draft/2020-12/schema' })).toThrow(/input_schema is not a valid JSON Schema: no schema with key or ref/);
  expect(validator.checkSchema({ type: 'object', properties: { a: { type: 'number' } } })).toEqual({ type: 'object', properties: { a: { type: 'number' } } });
});
