import { z } from 'zod';
import { MAX_EDITS } from '../../service/source-edits.js';
import { defineMetaTool } from '../meta-tool.js';
import { force, toolName } from './fields.js';
import { WRITE_OUTPUT, writeResult } from './write-result.js';

export const editToolTool = defineMetaTool({
  name: 'edit_tool',
  title: 'Edit part of a tool',
  description:
    'Patch a tool by replacing exact text in its active source, without sending the whole file: each `old_string` must occur exactly once (after the edits before it), and is replaced by its `new_string`. ' +
    'The result is then saved as update_tool saves code: compiled, load-checked, run through the regression gate (declared tests and replayed recent calls; a failing case saves it inactive, with the report, unless force: true), then active (or nothing, if nothing changed). ' +
    'An `old_string` that occurs twice or not at all is refused with the lines where it occurs, or how near it came; nothing is saved. Copy the text exactly as get_tool shows it.',
  input: z
    .object({
      name: toolName('The tool'),
      edits: z
        .array(
          z
            .object({
              old_string: z.string().min(1).describe('Text of the active source to replace, exactly (indentation and line breaks included); it must occur once.'),
              new_string: z.string().describe('What replaces it ("" deletes it).'),
            })
            .strict(),
        )
        .min(1)
        .max(MAX_EDITS)
        .describe('Applied in order, each to the source as the previous ones left it.'),
      force: force.optional(),
    })
    .strict(),
  output: WRITE_OUTPUT,
  annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, ctx) {
    const outcome = await ctx.scope.editTool(
      args.name,
      args.edits.map((e) => ({ oldString: e.old_string, newString: e.new_string })),
      args.force === undefined ? {} : { force: args.force },
    );
    const active = outcome.ok ? null : (await ctx.scope.getTool(args.name)).tool.activeVersion;
    return writeResult(outcome, ctx, args.name, active, (v) => `Edited ${args.name}: version ${v} is now active.`);
  },
});
