import { z } from 'zod';
import { defineMetaTool } from '../meta-tool.js';
import { capabilities, code, datasource, description, force, inputSchema, replaySafe, tests, memoryMb, strictTypes, timeoutMs, toolName } from './fields.js';
import { WRITE_OUTPUT, writeResult } from './write-result.js';

export const updateToolTool = defineMetaTool({
  name: 'update_tool',
  title: 'Update (hot-patch) a tool',
  description:
    'Hot-patch a tool: save a new version with the fields you pass (code, description, input_schema, limits, capabilities); the others are kept from the active version. ' +
    'Before it goes live, the regression gate runs the new version in the sandbox: its declared `tests`, and a replay of up to 20 distinct recent successful calls of the active version. ' +
    'If a test fails or a replayed call that succeeded now fails, the new version is saved but NOT active (isError, with a report of each case: arguments, before, after with line, column and code frame); fix and update again, or pass force: true. ' +
    'Otherwise the new version is active at once; calls already running finish on the version they started with. ' +
    'If the new code does not compile or throws while loading, nothing is saved, the previous version keeps serving, and the result gives line, column and code frame. ' +
    'TypeScript type diagnostics come back as advice (`diagnostics`); `strict_types: true` makes type errors refuse the save (kept for later updates until set to false). ' +
    'Typical loop: a call fails -> get_last_error -> update_tool with the fix -> call again. Undo with rollback_tool.',
  input: z
    .object({
      name: toolName('The tool'),
      code: code.optional(),
      description: description.optional(),
      input_schema: inputSchema.optional(),
      timeout_ms: timeoutMs.optional(),
      memory_mb: memoryMb.optional(),
      capabilities: capabilities.optional(),
      tests: tests.optional(),
      replay_safe: replaySafe.optional(),
      force: force.optional(),
      datasource: datasource.optional(),
      strict_types: strictTypes.optional(),
    })
    .strict(),
  output: WRITE_OUTPUT,
  annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, ctx) {
    const outcome = await ctx.scope.updateTool({
      name: args.name,
      ...(args.code === undefined ? {} : { code: args.code }),
      ...(args.description === undefined ? {} : { description: args.description }),
      ...(args.input_schema === undefined ? {} : { inputSchema: args.input_schema }),
      ...(args.timeout_ms === undefined ? {} : { timeoutMs: args.timeout_ms }),
      ...(args.memory_mb === undefined ? {} : { memoryMb: args.memory_mb }),
      ...(args.capabilities === undefined ? {} : { capabilities: args.capabilities }),
      ...(args.tests === undefined ? {} : { tests: args.tests }),
      ...(args.replay_safe === undefined ? {} : { replaySafe: args.replay_safe }),
      ...(args.force === undefined ? {} : { force: args.force }),
      ...(args.datasource === undefined ? {} : { datasource: args.datasource }),
      ...(args.strict_types === undefined ? {} : { strictTypes: args.strict_types }),
    });
    const active = outcome.ok ? null : (await ctx.scope.getTool(args.name)).tool.activeVersion;
    return writeResult(outcome, ctx, args.name, active, (v) => `Updated ${args.name}: version ${v} is now active.`);
  },
});
