import { Ajv, type ValidateFunction } from 'ajv';
import safeRegex from 'safe-regex2';
import { AppError } from '../errors.js';
import { describeProblem } from './argument-problems.js';
import { validate as generatedDraft07 } from './json-schema-draft07.generated.js';

/** Deeper than this, arguments are refused before any recursive host code touches them. */
export const MAX_ARGUMENT_DEPTH = 64;

/**
 * Deeper than this, an input_schema is refused before ajv, JSON.stringify or the hash (all
 * recursive) touch it. Over MCP the wire guard already stops messages past 1,000 levels, but an
 * import file is parsed whole, and a 200,000-deep schema overflowed the stack of the CLI. A
 * schema for arguments at MAX_ARGUMENT_DEPTH needs about two levels per level of arguments
 * (`properties` and the property), so 256 leaves room for combinators and definitions.
 */
export const MAX_SCHEMA_DEPTH = 256;

export interface ArgumentProblem {
  message: string;
  details?: unknown;
}

/** Compiled validators kept (least recently used dropped first). */
const MAX_VALIDATORS = 500;

/** Puts `value` last in `map` (Map order is the LRU order) and drops the oldest past the bound. */
function remember<V>(map: Map<string, V>, key: string, value: V): V {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_VALIDATORS) map.delete(map.keys().next().value as string);
  return value;
}

/**
 * JSON Schema checks for tool inputs. A validator is compiled once per schema text (ajv takes
 * ~5-10 ms a schema): the check at create_tool compiles it, the tool's first call reuses it,
 * and tools with the same schema share it. Arguments are checked for size and depth first,
 * iteratively, so hostile input cannot blow the stack.
 */
export function createArgumentValidator(options: { maxArgumentsBytes: number }) {
  // A new schema is checked against the JSON Schema meta-schema by a validator generated when
  // the project was written (json-schema-draft07.generated.ts): ajv compiling the meta-schema
  // itself took ~40-80 ms of the event loop, once per process, inside the first create_tool or
  // the start-up warm-up. ajv then compiles the schema without a meta-schema pass of its own.
  const newAjv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
  // A schema that names another meta-schema (`$schema`) gets ajv's own check and its error.
  let checkingAjv: Ajv | null = null;
  const checking = (): Ajv => (checkingAjv ??= new Ajv({ allErrors: true, strict: false, validateSchema: true }));
  // A stored version's schema passed that check when it was saved.
  const storedAjv = new Ajv({ allErrors: true, strict: false, validateSchema: false, meta: false });
  /** Validators by schema text: compiled once, shared by every version with that schema. */
  const byText = new Map<string, ValidateFunction>();
  /** Validators by version hash: a warm call neither serialises nor looks up its schema. */
  const byVersion = new Map<string, ValidateFunction>();

  function compileSchema(schema: Record<string, unknown>, compiler: Ajv): ValidateFunction {
    const text = JSON.stringify(schema);
    const cached = byText.get(text);
    if (cached) return remember(byText, text, cached);
    let validator: ValidateFunction;
    try {
      validator = compiler.compile(schema);
    } catch (err) {
      throw invalidSchema((err as Error).message, err);
    } finally {
      // ajv keeps every schema it compiled, keyed by the object; ours are kept above, bounded.
      compiler.removeSchema(schema);
    }
    return remember(byText, text, validator);
  }

  /** Compiles a schema not seen before, after the meta-schema check (as ajv's own would word it). */
  function compileNewSchema(schema: Record<string, unknown>): ValidateFunction {
    if (!namesDraft07(schema['$schema'])) return compileSchema(schema, checking());
    if (!validateAgainstDraft07(schema)) throw invalidSchema(`schema is invalid: ${newAjv.errorsText(validateAgainstDraft07.errors)}`);
    return compileSchema(schema, newAjv);
  }

  function validatorOf(hash: string, schema: Record<string, unknown>): ValidateFunction {
    return byVersion.get(hash) ?? remember(byVersion, hash, compileSchema(schema, storedAjv));
  }

  return {
    /** Throws INVALID_ARGUMENT with a readable reason when `schema` cannot describe tool input. */
    checkSchema(schema: unknown): Record<string, unknown> {
      if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
        throw new AppError('INVALID_ARGUMENT', 'input_schema must be a JSON Schema object such as {"type":"object","properties":{...}}.');
      }
      const record = schema as Record<string, unknown>;
      if (record['type'] !== 'object') {
        throw new AppError('INVALID_ARGUMENT', 'input_schema must have "type": "object": MCP tools take their arguments as one object.');
      }
      assertSafePatterns(record);
      compileNewSchema(record);
      return record;
    },

    /**
     * Checks `args` against the version's schema. Returns the arguments as JSON text (made
     * once, and reused for the sandbox and the log), or the problem.
     */
    validate(hash: string, schema: Record<string, unknown>, args: unknown): { json: string } | { problem: ArgumentProblem } {
      const depthProblem = tooDeep(args);
      if (depthProblem) return { problem: { message: depthProblem } };
      let json: string;
      try {
        json = JSON.stringify(args) ?? 'null';
      } catch {
        return { problem: { message: 'The arguments are not JSON.' } };
      }
      const size = Buffer.byteLength(json);
      if (size > options.maxArgumentsBytes) {
        return { problem: { message: `The arguments are ${size} bytes of JSON; the limit is ${options.maxArgumentsBytes}. Pass less data.` } };
      }
      if (args === null || typeof args !== 'object' || Array.isArray(args)) {
        return { problem: { message: 'The arguments must be a JSON object.' } };
      }
      const validator = validatorOf(hash, schema);
      if (validator(args)) return { json };
      const problems = (validator.errors ?? []).slice(0, 10).map((e) => describeProblem(e, schema, args));
      // One sentence a problem: a problem may itself hold a `;` (`…; the schema has maxChars`).
      return { problem: { message: `The arguments do not match the tool's input_schema: ${problems.map((p) => `${p}.`).join(' ')}`, details: problems } };
    },
  };
}

export type ArgumentValidator = ReturnType<typeof createArgumentValidator>;

const DRAFT07 = 'http://json-schema.org/draft-07/schema';
/** The generated code is untyped; it is an ajv validate function, `errors` included. */
const validateAgainstDraft07 = generatedDraft07 as unknown as ValidateFunction;

/** No `$schema`, or draft-07's (ajv's default meta-schema), with or without the trailing `#`. */
function namesDraft07(declared: unknown): boolean {
  return declared === undefined || declared === DRAFT07 || declared === `${DRAFT07}#`;
}

function invalidSchema(reason: string, cause?: unknown): AppError {
  return new AppError('INVALID_ARGUMENT', `input_schema is not a valid JSON Schema: ${reason}. Fix the schema and try again.`, cause === undefined ? undefined : { cause });
}

/** Iterative, objects only: 100,000 values cost well under a millisecond. */
function tooDeep(root: unknown): string | null {
  if (root === null || typeof root !== 'object') return null;
  const values: object[] = [root];
  const depths: number[] = [0];
  let visited = 0;
  while (values.length > 0) {
    const value = values.pop()!;
    const depth = depths.pop()!;
    if (depth > MAX_ARGUMENT_DEPTH) return `The arguments are nested deeper than ${MAX_ARGUMENT_DEPTH} levels.`;
    if (++visited > 1_000_000) return 'The arguments have too many values.';
    for (const key in value) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return null;
}

const MAX_PATTERN_LENGTH = 1_000;

/**
 * Schemas are checked on the server's event loop, and a `pattern` with nested quantifiers
 * (`^(a+)+$`) can take exponential time on a crafted argument, freezing every session (found
 * by test/security/input-schema-catastrophic-pattern). Such patterns are refused when the
 * schema is saved; safe-regex2 flags star height above one.
 */
function assertSafePatterns(schema: Record<string, unknown>): void {
  // Iterative, and the same walk bounds the depth (MAX_SCHEMA_DEPTH), for the recursive code after it.
  const stack: Array<[unknown, string, number]> = [[schema, 'input_schema', 0]];
  let visited = 0;
  while (stack.length > 0) {
    const [node, path, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (++visited > 100_000) throw new AppError('INVALID_ARGUMENT', 'input_schema is too large.');
    if (depth >= MAX_SCHEMA_DEPTH) {
      throw new AppError('INVALID_ARGUMENT', `input_schema is nested deeper than ${MAX_SCHEMA_DEPTH} levels. Flatten it: name repeated parts in "definitions" and point to them with "$ref".`);
    }
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      const here = `${path}.${key}`;
      if (key === 'pattern' && typeof value === 'string') checkPattern(value, here);
      if (key === 'patternProperties' && value !== null && typeof value === 'object') {
        for (const pattern of Object.keys(value)) checkPattern(pattern, `${here}[${JSON.stringify(pattern)}]`);
      }
      stack.push([value, here, depth + 1]);
    }
  }
}

function checkPattern(pattern: string, where: string): void {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new AppError('INVALID_ARGUMENT', `The regular expression at ${where} is ${pattern.length} characters; the limit is ${MAX_PATTERN_LENGTH}.`);
  }
  if (!safeRegex(pattern)) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `The regular expression at ${where} (${JSON.stringify(pattern.slice(0, 100))}) can take exponential time on some inputs (a quantified group inside a quantified group). Rewrite it without nested quantifiers, e.g. \`^a+$\` instead of \`^(a+)+$\`.`,
    );
  }
}
