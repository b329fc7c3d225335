import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { WriteOutcome } from '../../service/index.js';
import { failureOut, toolOut } from '../convert.js';
import { failure, failureText, json, success } from '../results.js';
import { RefusedWriteOut, ToolOut, outputSchemaOf } from '../schemas.js';
import { z } from 'zod';
import type { MetaContext } from '../meta-tool.js';

export const SavedOut = ToolOut.extend({
  saved: z.literal(true),
  unchanged: z.boolean().optional().describe('True when nothing changed (same code and settings as the active version): no version was made.'),
});
export const WRITE_OUTPUT = outputSchemaOf(SavedOut, RefusedWriteOut);

/**
 * create_tool/update_tool answer alike: the saved tool, or a refusal (compile error, module
 * that throws while loading, no default export) with line, column and code frame.
 */
export function writeResult(outcome: WriteOutcome, ctx: MetaContext, name: string, activeVersion: number | null, savedText: (version: number) => string): CallToolResult {
  if (outcome.ok && outcome.unchanged === true) {
    const structured = { saved: true as const, unchanged: true, ...toolOut(outcome.tool) };
    return success(structured, `Nothing changed: version ${outcome.tool.activeVersion} of ${name} has this code and these settings already, so no version was made.\n\n${json(structured)}`);
  }
  if (outcome.ok) {
    ctx.toolsChanged();
    const structured = { saved: true as const, ...toolOut(outcome.tool) };
    return success(structured, `${savedText(outcome.tool.activeVersion)}\n\n${json(structured)}`);
  }
  const { failure: f, executionId } = outcome;
  const structured: z.infer<typeof RefusedWriteOut> = { saved: false, tool: name, execution_id: executionId, active_version: activeVersion, error: failureOut(f) };
  const top = f.frames[0];
  const where = top ? ` at line ${top.line}, column ${top.column}` : '';
  const why = f.kind === 'compile' && top ? `the code does not compile${where}` : `the module cannot be loaded${where}`;
  const after = activeVersion === null ? 'Nothing was saved.' : `Nothing was saved; version ${activeVersion} keeps serving.`;
  return failure(structured, [`${name} was not saved: ${why}.`, '', failureText(f), '', `${after} Execution id: ${executionId}.`].join('\n'));
}
