import { z } from 'zod';
import { executionSummaryOut } from '../convert.js';
import { defineMetaTool } from '../meta-tool.js';
import { json, success } from '../results.js';
import { FAILURE_KINDS, FrameOut, outputSchemaOf } from '../schemas.js';

const ExecutionSummaryOut = z.object({
  execution_id: z.string(),
  parent_execution_id: z.string().optional().describe('Set on a call another tool made (ctx.tools): the execution that made it.'),
  nested_calls: z.number().int().optional().describe('On a call an agent made: how many calls of other tools it led to, at every depth (get_execution shows the tree).'),
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
    'The audit log of your tools, newest first: every call you made (and every refused create/update) with its status, version, duration, error and how many calls of other tools it led to; include_nested adds those calls. Open one in full, with its tree of calls, with get_execution.',
  input: z
    .object({
      tool_name: z.string().optional().describe('Only executions of this tool.'),
      status: z.enum(['SUCCESS', 'FAILURE']).optional().describe('Only successes or only failures.'),
      since: z.string().optional().describe('Only executions at or after this time: ISO 8601 (2026-11-30T12:00:00Z) or an age counted back from now (30s, 15m, 2h, 7d).'),
      limit: z.number().int().min(1).max(1000).optional().describe('At most this many (default 50, max 1000).'),
      include_nested: z.boolean().optional().describe('Also the calls your tools made of other tools (ctx.tools); by default only the calls you made.'),
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
      ...(args.include_nested === true ? { includeNested: true } : {}),
    });
    const counts = ctx.scope.nestedCounts(rows);
    const summary = (row: (typeof rows)[number]) => executionSummaryOut(row, row.parentExecutionId === undefined && row.operation === 'call' ? (counts.get(row.id) ?? 0) : undefined);
    const structured: z.infer<typeof ListExecutionsOut> = { executions: rows.map(summary), count: rows.length };
    return success(structured, rows.length === 0 ? 'No executions match.' : json(structured));
  },
});
