import { z } from 'zod';
import { defineMetaTool } from '../meta-tool.js';
import { success } from '../results.js';
import { outputSchemaOf } from '../schemas.js';
import { toolName } from './fields.js';

const DeleteOut = z.object({
  name: z.string(),
  deleted: z.literal(true),
  deleted_at: z.string(),
  versions: z.number().int().describe('Versions kept in the history.'),
});

export const deleteToolTool = defineMetaTool({
  name: 'delete_tool',
  title: 'Delete a tool',
  description:
    'Delete a tool: it disappears from the tool list and can no longer be called. Its versions and execution log are kept for the audit trail; create_tool with the same name starts it again.',
  input: z.object({ name: toolName('The tool') }).strict(),
  output: outputSchemaOf(DeleteOut),
  annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async run(args, ctx) {
    const deleted = await ctx.scope.deleteTool(args.name);
    ctx.toolsChanged();
    const structured: z.infer<typeof DeleteOut> = { name: deleted.name, deleted: true, deleted_at: deleted.deletedAt, versions: deleted.versions };
    return success(structured, `Deleted ${deleted.name}; its ${deleted.versions} version(s) and its execution log are kept.`);
  },
});
