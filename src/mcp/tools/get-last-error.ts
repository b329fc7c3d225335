import { z } from 'zod';
import { lastErrorOut } from '../convert.js';
import { defineMetaTool } from '../meta-tool.js';
import { success } from '../results.js';
import { FailureOut, outputSchemaOf } from '../schemas.js';
import { DiagnosticOut } from './diagnostics-out.js';

const LastErrorOut = z.object({
  execution_id: z.string(),
  tool: z.string(),
  version: z.number().int().nullable().describe('The version that failed; null for code a create/update refused (nothing was saved).'),
  persona: z.string(),
  timestamp: z.string().describe('ISO 8601.'),
  arguments: z.unknown().describe('The arguments of the failed call, as received.'),
  status: z.literal('FAILURE'),
  operation: z.enum(['call', 'create', 'update']).describe('`call`, or `create`/`update` for code that was refused.'),
  error: FailureOut,
  console: z.string().describe('What the call printed before it failed.'),
  since_failure: z
    .object({
      active_version: z.number().int().nullable().describe('The active version now; null if the tool has been deleted since.'),
      newer_successes: z
        .array(z.object({ version: z.number().int(), count: z.number().int(), last_at: z.string().describe('ISO 8601.') }))
        .describe('Newer versions (for refused code: versions saved after it) that have succeeded since the failure, with how often.'),
      counts_capped: z.boolean().describe('True when there were too many successes to count: the counts are lower bounds.'),
    })
    .describe('What happened to the tool after this failure: if a newer version has succeeded, the failure may already be fixed.'),
  fingerprint: z
    .string()
    .nullable()
    .describe(
      'Identifies this failure across versions: a hash of kind, error name, the message with numbers, quoted text, ids, hex, UUIDs, URLs and paths replaced by placeholders, and the failing line of your source (its text, not its number, so lines added elsewhere do not change it). Null for a failure logged before fingerprints existed.',
    ),
  occurrences: z.number().int().nullable().describe('How many failures of this tool had this fingerprint (every version, calls made by other tools and refused code included).'),
  first_seen: z.string().nullable().describe('ISO 8601 start of the first of them.'),
  last_seen: z.string().nullable().describe('ISO 8601 start of the latest of them.'),
  versions: z.array(z.number().int().nullable()).describe('The versions it happened in, ascending; null stands for refused code (a create/update that saved nothing). Empty when there is no fingerprint.'),
  not_seen_since: z.number().int().nullable().describe('The first version after the last one it happened in, when the active version is not among them: it has not happened since that version.'),
  checker_warning: DiagnosticOut.extend({
    tool: z.string(),
    version: z.number().int(),
    saved_by: z.enum(['create', 'update', 'edit', 'rollback']),
  })
    .optional()
    .describe('When the failure passed through a line the TypeScript checker warned about when that version was saved: that diagnostic. The warning was right.'),
  advice: z.string().describe('What to do next, for whoever must act: the caller for invalid_arguments, the tool for a bug, the limit for timeout/memory.'),
  text: z
    .string()
    .describe('The same as a readable traceback in your own lines, outermost call first, then what happened since, the advice, and the end of the console output.'),
});

const NoErrorOut = z.object({
  status: z.literal('NO_ERROR'),
  tool: z.string().nullable(),
  message: z.string(),
});

export const getLastErrorTool = defineMetaTool({
  name: 'get_last_error',
  title: 'Get the last error',
  description:
    'The latest failure of one tool (or of any of your tools): error kind, name and message, stack frames in your own source (innermost first, 1-based lines and columns), ' +
    'a code frame pointing at the failing line, the arguments of the call and what it printed, what to do next, whether a newer version has succeeded since, ' +
    'and how often the same failure (by fingerprint) was seen, since when and in which versions. ' +
    'When nothing has failed it says so, with status NO_ERROR.',
  input: z.object({ tool_name: z.string().optional().describe('Only failures of this tool; default any of your tools.') }).strict(),
  output: outputSchemaOf(LastErrorOut, NoErrorOut),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, ctx) {
    const view = await ctx.scope.getLastError(args.tool_name);
    if (!view) {
      const message = args.tool_name ? `No failed executions of ${args.tool_name}.` : 'None of your tools has failed yet.';
      return success({ status: 'NO_ERROR', tool: args.tool_name ?? null, message } satisfies z.infer<typeof NoErrorOut>, message);
    }
    const structured: z.infer<typeof LastErrorOut> = lastErrorOut(view);
    return success(structured, `${view.text}\n\nExecution id: ${view.executionId}`);
  },
});
