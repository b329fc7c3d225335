import { z } from 'zod';
import { callNodeOut, executionOut } from '../convert.js';
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
  fingerprint: z.string().optional().describe('A failure\'s fingerprint: the same bug has the same one in every version (see get_last_error); absent on successes and older failures.'),
  console: z.string(),
  duration_ms: z.number(),
  cpu_ms: z.number().nullable(),
  heap_used_bytes: z.number().nullable(),
  progress_calls: z.number().int().describe('How many times the call called ctx.progress (whether or not its request asked for progress notifications).'),
  effects: z
    .array(z.record(z.string(), z.unknown()))
    .optional()
    .describe(
      'What the call did outside itself, in order; absent when nothing. `{op: "fetch", method, origin, path (query values removed), status, bytes, ms, refused?, error?, redirects?}`, `{op: "kv.get"|"kv.set"|"kv.delete"|"kv.list", namespace, key?, prefix?, bytes?, found?, count?, refused?}`, `{op: "mcp.call"|"mcp.list", server, tool?, status, ms, refused?}` `{op: "tools.call", tool, version?, execution_id?, status?, kind?, ms?, refused?}` or `{op: "sql.query", datasource, rows, ms, truncated?, error?, refused?}` (a query; never its text or values); past 200, one `{op: "omitted", count}`. Never values, bodies or header values.',
    ),
  parent_execution_id: z.string().optional().describe('Set when another tool made this call (ctx.tools): the execution that made it.'),
  root_execution_id: z.string().optional().describe('Set when another tool made this call: the call an agent made, at the top of the tree.'),
  calls: z
    .array(z.record(z.string(), z.unknown()))
    .optional()
    .describe(
      'The calls this execution made of other tools (ctx.tools), in the order they started, each `{execution_id, tool, version, status, duration_ms, error: {kind, name, message} | null, calls}` with the calls it made in turn; absent when it made none. Open any of them with get_execution.',
    ),
  calls_cut: z.boolean().optional().describe('True when the tree has more calls than were read (1,000): some are missing from `calls`.'),
});

export const getExecutionTool = defineMetaTool({
  name: 'get_execution',
  title: 'Get one execution',
  description:
    'One execution from the log in full: arguments, result summary or error with frames and code frame, console output, duration, the exact version that ran, what it did outside itself (fetch requests, kv operations, calls of other tools, queries), and the tree of calls it made of other tools with their durations.',
  input: z
    .object({
      id: z
        .string()
        .describe('An execution id (`ex_...`) from a failed call, get_last_error or list_executions, or a unique start of one (at least 4 characters, e.g. `ex_1a2b3c4d` as `chameleon logs` shows ids).'),
    })
    .strict(),
  output: outputSchemaOf(ExecutionOut),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, ctx) {
    const row = await ctx.scope.getExecution(args.id);
    const tree = row.operation === 'call' ? await ctx.scope.callsBelow(row) : { calls: [], cut: false };
    const structured: z.infer<typeof ExecutionOut> = {
      ...executionOut(row),
      ...(tree.calls.length === 0 ? {} : { calls: tree.calls.map(callNodeOut) }),
      ...(tree.cut ? { calls_cut: true } : {}),
    };
    return success(structured, json(structured));
  },
});
