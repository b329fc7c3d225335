import { z } from 'zod';
import { toolOut } from '../convert.js';
import { defineMetaTool } from '../meta-tool.js';
import { json, success } from '../results.js';
import { ToolOut, outputSchemaOf } from '../schemas.js';
import { toolName } from './fields.js';

const RollbackOut = ToolOut.extend({ rolled_back_to: z.number().int().describe('The version whose code and settings are now served.') });

export const rollbackToolTool = defineMetaTool({
  name: 'rollback_tool',
  title: 'Roll a tool back',
  description:
    'Serve an earlier version of a tool again. History is never rewritten: the chosen version is copied as a new version, which becomes active. It is not run through the regression gate (the version ran before, or was refused knowingly): rolling back is the way out, and must not be blocked. See get_tool for the version list.',
  input: z
    .object({
      name: toolName('The tool'),
      version: z.number().int().min(1).describe('The version to go back to.'),
    })
    .strict(),
  output: outputSchemaOf(RollbackOut),
  annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, ctx) {
    const tool = await ctx.scope.rollbackTool(args.name, args.version);
    ctx.toolsChanged();
    const structured: z.infer<typeof RollbackOut> = { ...toolOut(tool), rolled_back_to: args.version };
    return success(structured, `${args.name} now serves the code of version ${args.version}, as version ${tool.activeVersion}.\n\n${json(structured)}`);
  },
});
