import { z } from 'zod';
import { listingOut } from '../convert.js';
import { defineMetaTool } from '../meta-tool.js';
import { json, success } from '../results.js';
import { ToolOut, outputSchemaOf } from '../schemas.js';

const ListToolsOut = z.object({
  tools: z.array(ToolOut.extend({ last_status: z.enum(['SUCCESS', 'FAILURE']).nullable().describe('Status of the latest execution, null if never run.') })),
  count: z.number().int().describe('How many tools this page holds.'),
  next_cursor: z.string().nullable().describe('Pass it as `cursor` for the next page; null on the last page.'),
});

/** Tools per page unless `limit` says otherwise, and the most a page may hold. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;

export const listToolsTool = defineMetaTool({
  name: 'list_tools',
  title: 'List your tools',
  description: 'List the tools you have made (this persona’s), with their active version, input schema and the status of their latest execution, in name order, a page at a time. Each is also callable directly under its own name, or through run_tool.',
  input: z
    .object({
      cursor: z.string().max(1_000).optional().describe('The next_cursor of the previous page; leave it out for the first page.'),
      limit: z.number().int().min(1).max(MAX_LIMIT).optional().describe(`Tools per page (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}).`),
    })
    .strict(),
  output: outputSchemaOf(ListToolsOut),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, ctx) {
    const page = await ctx.scope.listToolsPage(args.cursor, args.limit ?? DEFAULT_LIMIT);
    const tools = page.tools.map(listingOut);
    const structured: z.infer<typeof ListToolsOut> = { tools, count: tools.length, next_cursor: page.nextCursor };
    const text = tools.length === 0 && args.cursor === undefined ? 'You have no tools yet. Make one with create_tool.' : json(structured);
    return success(structured, text);
  },
});
