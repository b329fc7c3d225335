import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { PersonaScope, ProgressSink } from '../service/index.js';
import { jsonSchemaOf, type JsonObjectSchema } from './schemas.js';

export interface MetaContext {
  scope: PersonaScope;
  /** Tells every session of this persona that its tool list changed. */
  toolsChanged(): void;
  /** Set when the request carried a progress token: run_tool hands it to the call it runs. */
  progress?: ProgressSink;
}

export interface MetaToolDefinition<I extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  /** Made on first use (see outputSchemaOf). */
  output: () => JsonObjectSchema;
  annotations?: Tool['annotations'];
  run(args: z.infer<I>, ctx: MetaContext): CallToolResult | Promise<CallToolResult>;
}

/** A meta-tool with its types erased, as the tool table holds it. */
export interface MetaTool {
  name: string;
  definition: Tool;
  /** Validates `rawArgs` (AppError INVALID_ARGUMENT when they do not fit), then runs. */
  call(rawArgs: unknown, ctx: MetaContext): Promise<CallToolResult>;
}

export function defineMetaTool<I extends z.ZodObject>(def: MetaToolDefinition<I>): MetaTool {
  // Converted from zod on the first tools/list, not at start-up (see outputSchemaOf).
  let definition: Tool | null = null;
  return {
    name: def.name,
    get definition(): Tool {
      return (definition ??= {
        name: def.name,
        title: def.title,
        description: def.description,
        inputSchema: jsonSchemaOf(def.input, 'input'),
        outputSchema: def.output(),
        ...(def.annotations ? { annotations: def.annotations } : {}),
      });
    },
    async call(rawArgs, ctx) {
      const parsed = def.input.safeParse(rawArgs ?? {});
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
        throw new AppError('INVALID_ARGUMENT', `Invalid arguments for ${def.name}: ${problems}. See the tool's input schema.`, { cause: parsed.error });
      }
      return def.run(parsed.data, ctx);
    },
  };
}
