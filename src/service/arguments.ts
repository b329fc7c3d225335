import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { AppError } from '../errors.js';

/** Deeper than this, arguments are refused before any recursive host code touches them. */
export const MAX_ARGUMENT_DEPTH = 64;

export interface ArgumentProblem {
  message: string;
  details?: unknown;
}

/**
 * JSON Schema checks for tool inputs. Validators are compiled once per version hash. Arguments
 * are checked for size and depth first, iteratively, so hostile input cannot blow the stack.
 */
export function createArgumentValidator(options: { maxArgumentsBytes: number }) {
  const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: true });
  const cache = new Map<string, ValidateFunction>();

  function compileSchema(schema: Record<string, unknown>): ValidateFunction {
    try {
      return ajv.compile(schema);
    } catch (err) {
      throw new AppError('INVALID_ARGUMENT', `input_schema is not a valid JSON Schema: ${(err as Error).message}. Fix the schema and try again.`, { cause: err });
    }
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
      compileSchema(record);
      return record;
    },

    /** A problem description, or null when `args` fits the schema. */
    validate(hash: string, schema: Record<string, unknown>, args: unknown): ArgumentProblem | null {
      const depthProblem = tooDeep(args);
      if (depthProblem) return { message: depthProblem };
      let size: number;
      try {
        size = Buffer.byteLength(JSON.stringify(args) ?? '');
      } catch {
        return { message: 'The arguments are not JSON.' };
      }
      if (size > options.maxArgumentsBytes) {
        return { message: `The arguments are ${size} bytes of JSON; the limit is ${options.maxArgumentsBytes}. Pass less data.` };
      }
      if (args === null || typeof args !== 'object' || Array.isArray(args)) {
        return { message: 'The arguments must be a JSON object.' };
      }
      let validator = cache.get(hash);
      if (!validator) {
        validator = compileSchema(schema);
        cache.set(hash, validator);
        if (cache.size > 500) cache.delete(cache.keys().next().value as string);
      }
      if (validator(args)) return null;
      const errors = (validator.errors ?? []).slice(0, 10);
      return { message: `The arguments do not match the tool's input_schema: ${errors.map(describe).join('; ')}.`, details: errors.map(describe) };
    },
  };
}

export type ArgumentValidator = ReturnType<typeof createArgumentValidator>;

function describe(e: ErrorObject): string {
  const where = e.instancePath ? `arguments${e.instancePath.replace(/\//g, '.')}` : 'arguments';
  return `${where} ${e.message ?? 'is invalid'}`;
}

function tooDeep(root: unknown): string | null {
  const stack: Array<[unknown, number]> = [[root, 0]];
  let visited = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_ARGUMENT_DEPTH) return `The arguments are nested deeper than ${MAX_ARGUMENT_DEPTH} levels.`;
    if (++visited > 1_000_000) return 'The arguments have too many values.';
    for (const child of Object.values(value as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return null;
}
