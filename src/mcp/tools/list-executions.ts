import { z } from 'zod';
import { AppError } from '../../errors.js';
import { executionSummaryOut, failureGroupOut } from '../convert.js';
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
  error: z
    .object({
      kind: z.enum(FAILURE_KINDS),
      name: z.string(),
      message: z.string(),
      top_frame: FrameOut.nullable(),
      fingerprint: z.string().optional().describe('The same bug has the same fingerprint in every version (see get_last_error); absent on failures logged before fingerprints existed.'),
    })
    .nullable(),
});

const ListExecutionsOut = z.object({ executions: z.array(ExecutionSummaryOut).describe('Newest first.'), count: z.number().int() });

const FailureGroupOut = z.object({
  fingerprint: z.string().describe('What the failures of the group share: kind, error name, normalised message and failing line (see get_last_error).'),
  tool: z.string(),
  count: z.number().int().describe('Failures in the group (within `since`).'),
  first_seen: z.string().describe('ISO 8601 start of the first.'),
  last_seen: z.string().describe('ISO 8601 start of the latest.'),
  versions: z.array(z.number().int().nullable()).describe('Versions it happened in, ascending; null for refused code.'),
  kind: z.enum(FAILURE_KINDS),
  name: z.string(),
  sample_message: z.string().describe('The message of the latest failure in the group.'),
  location: FrameOut.nullable().describe('Where the latest one failed, in your source; null when it has no frame of yours (limits, arguments).'),
  sample_execution_id: z.string().describe('The latest failure of the group: open it with get_execution.'),
});

const FailureGroupsOut = z.object({
  groups: z.array(FailureGroupOut).describe('Most recently seen first.'),
  count: z.number().int(),
});

export const listExecutionsTool = defineMetaTool({
  name: 'list_executions',
  title: 'List executions',
  description:
    'The audit log of your tools, newest first: every call you made (and every refused create/update) with its status, version, duration, error and how many calls of other tools it led to; include_nested adds those calls. Open one in full, with its tree of calls, with get_execution. ' +
    'With group_by "fingerprint", the failures grouped by fingerprint instead: how often each bug happened, when and in which versions.',
  input: z
    .object({
      tool_name: z.string().optional().describe('Only executions of this tool.'),
      status: z.enum(['SUCCESS', 'FAILURE']).optional().describe('Only successes or only failures.'),
      since: z.string().optional().describe('Only executions at or after this time: ISO 8601 (2026-11-30T12:00:00Z) or an age counted back from now (30s, 15m, 2h, 7d).'),
      limit: z.number().int().min(1).max(1000).optional().describe('At most this many (default 50, max 1000).'),
      include_nested: z.boolean().optional().describe('Also the calls your tools made of other tools (ctx.tools); by default only the calls you made.'),
      group_by: z
        .enum(['fingerprint'])
        .optional()
        .describe(
          '`fingerprint`: instead of executions, the failures grouped by fingerprint (the same bug in any version), each with its count, first and last time seen, versions, a sample message and location; limit then counts groups. Failures logged before fingerprints existed are not grouped.',
        ),
    })
    .strict(),
  output: outputSchemaOf(ListExecutionsOut, FailureGroupsOut),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, ctx) {
    if (args.group_by === 'fingerprint') {
      if (args.status === 'SUCCESS') throw new AppError('INVALID_ARGUMENT', 'group_by "fingerprint" groups failures: leave out status, or give status "FAILURE".');
      const groups = await ctx.scope.failureGroups({
        ...(args.tool_name === undefined ? {} : { toolName: args.tool_name }),
        ...(args.since === undefined ? {} : { since: args.since }),
        ...(args.limit === undefined ? {} : { limit: args.limit }),
        ...(args.include_nested === true ? { includeNested: true } : {}),
      });
      const structured: z.infer<typeof FailureGroupsOut> = { groups: groups.map(failureGroupOut), count: groups.length };
      return success(structured, groups.length === 0 ? 'No fingerprinted failures match.' : json(structured));
    }
    const rows = await ctx.scope.listExecutions({
      ...(args.tool_name === undefined ? {} : { toolName: args.tool_name }),
      ...(args.status === undefined ? {} : { status: args.status }),
      ...(args.since === undefined ? {} : { since: args.since }),
      ...(args.limit === undefined ? {} : { limit: args.limit }),
      ...(args.include_nested === true ? { includeNested: true } : {}),
    });
    const counts = await ctx.scope.nestedCounts(rows);
    const summary = (row: (typeof rows)[number]) => executionSummaryOut(row, row.parentExecutionId === undefined && row.operation === 'call' ? (counts.get(row.id) ?? 0) : undefined);
    const structured: z.infer<typeof ListExecutionsOut> = { executions: rows.map(summary), count: rows.length };
    return success(structured, rows.length === 0 ? 'No executions match.' : json(structured));
  },
});
