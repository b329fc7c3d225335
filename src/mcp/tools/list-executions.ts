import { z } from 'zod';
import { executionSummaryOut } from '../convert.js';
import { defineMetaTool } from '../meta-tool.js';
import { json, success } from '../results.js';
import { FAILURE_KINDS, FrameOut, outputSchemaOf } from '../schemas.js';

const ExecutionSummaryOut = z.object({
  execution_id: z.string(),
  timestamp: z.string(),
  tool: z.string(),
  operation: z.enum(['call', 'create', 'update']),
  version: z.number().int().nullable(),
  status: z.enum(['SUCCESS', 'FAILURE']),
  duration_ms: z.number(),
  error: z.object({ kind: z.enum(FAILURE_KINDS), name: z.string(), message: z.string(), top_frame: FrameOut.nullable() }).nullable(),
});

const ListExecutionsOut = z.object({ executions: z.array(ExecutionSummaryOut).describe('Newest first.'), count: z.number().int() });

export const listExecutionsTool = defineMetaTool({
  name: 'list_executions',
  title: 'List executions',
  description:
    'The audit log of your tools, newest first: every call (and every refused create/update) with its status, version, duration and error. Open one in full with get_execution.',
  input: z
    .object({
      tool_name: z.string().optional().describe('Only executions of this tool.'),
      status: z.enum(['SUCCESS', 'FAILURE']).optional().describe('Only successes or only failures.'),
      since: z.string().optional().describe('Only executions at or after this time: ISO 8601 (2026-11-30T12:00:00Z) or an age counted back from now (30s, 15m, 2h, 7d).'),
      limit: z.number().int().min(1).max(1000).optional().describe('At most this many (default 50, max 1000).'),
    })
    .strict(),
  output: outputSchemaOf(ListExecutionsOut),
  annotations: { readOnlyHint: true, openWorldHint: false },
  run(args, ctx) {
    const rows = ctx.scope.listExecutions({
      ...(args.tool_name === undefined ? {} : { toolName: args.tool_name }),
      ...(args.status === undefined ? {} : { status: args.status }),
      ...(args.since === undefined ? {} : { since: args.since }),
      ...(args.limit === undefined ? {} : { limit: args.limit }),
    });
    const structured: z.infer<typeof ListExecutionsOut> = { executions: rows.map(executionSummaryOut), count: rows.length };
    return success(structured, rows.length === 0 ? 'No executions match.' : json(structured));
  },
});
