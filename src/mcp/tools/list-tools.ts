import { z } from 'zod';
import { listingOut } from '../convert.js';
import { defineMetaTool } from '../meta-tool.js';
import { json, success } from '../results.js';
import { ToolOut, outputSchemaOf } from '../schemas.js';

const ListToolsOut = z.object({
  tools: z.array(ToolOut.extend({ last_status: z.enum(['SUCCESS', 'FAILURE']).nullable().describe('Status of the latest execution, null if never run.') })),
  count: z.number().int(),
});

export const listToolsTool = defineMetaTool({
  name: 'list_tools',
  title: 'List your tools',
  description: 'List the tools you have made (this persona’s), with their active version, input schema and the status of their latest execution. Each is also callable directly under its own name, or through run_tool.',
  input: z.object({}).strict(),
  output: outputSchemaOf(ListToolsOut),
  annotations: { readOnlyHint: true, openWorldHint: false },
  run(_args, ctx) {
    const tools = ctx.scope.listTools().map(listingOut);
    const structured: z.infer<typeof ListToolsOut> = { tools, count: tools.length };
    const text = tools.length === 0 ? 'You have no tools yet. Make one with create_tool.' : json(structured);
    return success(structured, text);
  },
});
