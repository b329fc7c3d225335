import { z } from 'zod';
import { lastErrorOut } from '../convert.js';
import { defineMetaTool } from '../meta-tool.js';
import { success } from '../results.js';
import { FailureOut, outputSchemaOf } from '../schemas.js';

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
  text: z.string().describe('The same as a readable traceback in your own lines, outermost call first.'),
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
    'a code frame pointing at the failing line, the arguments of the call and what it printed. When nothing has failed it says so, with status NO_ERROR.',
  input: z.object({ tool_name: z.string().optional().describe('Only failures of this tool; default any of your tools.') }).strict(),
  output: outputSchemaOf(LastErrorOut, NoErrorOut),
  annotations: { readOnlyHint: true, openWorldHint: false },
  run(args, ctx) {
    const view = ctx.scope.getLastError(args.tool_name);
    if (!view) {
      const message = args.tool_name ? `No failed executions of ${args.tool_name}.` : 'None of your tools has failed yet.';
      return success({ status: 'NO_ERROR', tool: args.tool_name ?? null, message } satisfies z.infer<typeof NoErrorOut>, message);
    }
    const structured: z.infer<typeof LastErrorOut> = lastErrorOut(view);
    return success(structured, `${view.text}\n\nExecution id: ${view.executionId}`);
  },
});
