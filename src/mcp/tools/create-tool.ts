import { z } from 'zod';
import { defineMetaTool } from '../meta-tool.js';
import { capabilities, code, datasource, description, inputSchema, replaySafe, tests, kind, memoryMb, strictTypes, timeoutMs, toolName } from './fields.js';
import { WRITE_OUTPUT, writeResult } from './write-result.js';

export const createToolTool = defineMetaTool({
  name: 'create_tool',
  title: 'Create a tool',
  description:
    'Create a new tool from TypeScript or JavaScript source and save it as version 1. ' +
    'Once saved it is listed as a tool under its own name (clients are notified with tools/list_changed) and can also be called with run_tool. ' +
    'If the code does not compile, or throws while loading, nothing is saved and the result gives the line, column and code frame of the problem. ' +
    'TypeScript is also type-checked (with types for ctx, your args from input_schema and the runtime\'s globals): the result lists `diagnostics` (line, column, TS code, message) as advice; with `strict_types: true` type errors refuse the save. ' +
    'With `kind: "library"` it saves code for other tools to import (`import { x } from "lib:<name>"`) instead of a callable tool. ' +
    'A tool that needs the network declares `capabilities: { fetch: ["api.example.com"] }` (and `secrets: ["NAME"]` for a secret the server holds); the server refuses hosts its config does not allow. ' +
    'A tool that calls your other tools declares them: `capabilities: { tools: ["csv_stats"] }`, then `await ctx.tools.csv_stats(args)` (get_tool gives their TypeScript declaration). ' +
        '`tests` are saved with it and run by the regression gate before later updates go live (not now). ' +
    'Example code: `export default function ({ a, b }: { a: number; b: number }) { return { sum: a + b }; }`. ' +
    'A SQL tool is `language: "sql"` with a `datasource` the server has and, as code, one read-only query with named parameters: `SELECT id, total FROM orders WHERE total > :min_total`; its input_schema is derived from the parameters unless given, and syntax errors or unknown tables and columns are refused with line and column.',
  input: z
    .object({
      name: toolName('The new tool'),
      description,
      code,
      language: z
        .enum(['typescript', 'javascript', 'sql'])
        .optional()
        .describe('Language of `code` (default typescript). TypeScript types are checked as advice (diagnostics in the result), and stripped to run. `sql`: code is one read-only SQL query on `datasource`.'),
      datasource: datasource.optional(),
      input_schema: inputSchema.optional(),
      timeout_ms: timeoutMs.optional(),
      memory_mb: memoryMb.optional(),
      capabilities: capabilities.optional(),
      tests: tests.optional(),
      replay_safe: replaySafe.optional(),
      kind: kind.optional(),
      strict_types: strictTypes.optional(),
    })
    .strict(),
  output: WRITE_OUTPUT,
  annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, ctx) {
    const outcome = await ctx.scope.createTool({
      name: args.name,
      description: args.description,
      code: args.code,
      ...(args.language === undefined ? {} : { language: args.language }),
      ...(args.input_schema === undefined ? {} : { inputSchema: args.input_schema }),
      ...(args.timeout_ms === undefined ? {} : { timeoutMs: args.timeout_ms }),
      ...(args.memory_mb === undefined ? {} : { memoryMb: args.memory_mb }),
      ...(args.capabilities === undefined ? {} : { capabilities: args.capabilities }),
      ...(args.tests === undefined ? {} : { tests: args.tests }),
      ...(args.replay_safe === undefined ? {} : { replaySafe: args.replay_safe }),
      ...(args.kind === undefined ? {} : { kind: args.kind }),
      ...(args.datasource === undefined ? {} : { datasource: args.datasource }),
      ...(args.strict_types === undefined ? {} : { strictTypes: args.strict_types }),
    });
    const saved =
      args.kind === 'library'
        ? (v: number) => `Created library ${args.name} (version ${v}). Import it from a tool: \`import { ... } from "lib:${args.name}"\`.`
        : (v: number) => `Created ${args.name} (version ${v}). Call it as the tool \`${args.name}\`, or with run_tool.`;
    return writeResult(outcome, ctx, args.name, null, saved);
  },
});
