import { z } from 'zod';
import { executionOut } from '../convert.js';
import { defineMetaTool } from '../meta-tool.js';
import { json, success } from '../results.js';
import { FailureOut, outputSchemaOf } from '../schemas.js';

const ExecutionOut = z.object({
  execution_id: z.string(),
  timestamp: z.string(),
  persona: z.string(),
  tool: z.string(),
  operation: z.enum(['call', 'create', 'update']),
  version: z.number().int().nullable(),
  hash: z.string().nullable().describe('Integrity hash of the version that ran.'),
  arguments: z.unknown(),
  status: z.enum(['SUCCESS', 'FAILURE']),
  result_summary: z.string().nullable().describe('The result as JSON text, cut at 2,000 characters.'),
  error: FailureOut.nullable(),
  console: z.string(),
  duration_ms: z.number(),
  cpu_ms: z.number().nullable(),
  heap_used_bytes: z.number().nullable(),
  effects: z
    .array(z.record(z.string(), z.unknown()))
    .optional()
    .describe(
      'What the call did outside itself, in order; absent when nothing. `{op: "fetch", method, origin, path (query values removed), status, bytes, ms, refused?, error?, redirects?}` or `{op: "kv.get"|"kv.set"|"kv.delete"|"kv.list", namespace, key?, prefix?, bytes?, found?, count?, refused?}`; past 200, one `{op: "omitted", count}`. Never values, bodies or header values.',
    ),
});

export const getExecutionTool = defineMetaTool({
  name: 'get_execution',
  title: 'Get one execution',
  description: 'One execution from the log in full: arguments, result summary or error with frames and code frame, console output, duration, the exact version that ran, and what it did outside itself (fetch requests, kv operations).',
  input: z
    .object({
      id: z
        .string()
        .describe('An execution id (`ex_...`) from a failed call, get_last_error or list_executions, or a unique start of one (at least 4 characters, e.g. `ex_1a2b3c4d` as `chameleon logs` shows ids).'),
    })
    .strict(),
  output: outputSchemaOf(ExecutionOut),
  annotations: { readOnlyHint: true, openWorldHint: false },
  run(args, ctx) {
    const structured: z.infer<typeof ExecutionOut> = executionOut(ctx.scope.getExecution(args.id));
    return success(structured, json(structured));
  },
});
