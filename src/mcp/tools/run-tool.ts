import { z } from 'zod';
import { defineMetaTool } from '../meta-tool.js';
import { runResult } from '../results.js';
import { RunFailureOut, RunSuccessOut, outputSchemaOf } from '../schemas.js';
import { toolName } from './fields.js';

export const runToolTool = defineMetaTool({
  name: 'run_tool',
  title: 'Run a tool',
  description:
    'Run the active version of one of your tools, exactly as calling it under its own name does. Use it when your client has not refreshed its tool list yet. ' +
    "Every answer carries duration_ms, cpu_ms, heap_used_bytes and the limits the call ran under; a progressToken in the request gets the tool's ctx.progress reports. " +
    'A failure returns isError with the error, the top frame (`at fn (tool.ts:line:column)`), the code frame and the execution id; get_last_error has the full traceback.',
  input: z
    .object({
      name: toolName('The tool'),
      arguments: z.record(z.string(), z.unknown()).optional().describe('The arguments object, checked against the tool’s input_schema (default {}).'),
    })
    .strict(),
  output: outputSchemaOf(RunSuccessOut, RunFailureOut),
  annotations: { openWorldHint: false },
  async run(args, ctx) {
    return runResult(await ctx.scope.runTool(args.name, args.arguments ?? {}, ctx.progress));
  },
});
