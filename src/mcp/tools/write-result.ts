import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { WriteOutcome } from '../../service/index.js';
import { failureOut, gateReportOut, toolOut } from '../convert.js';
import { gateReportText } from '../gate-text.js';
import { failure, failureText, json, success } from '../results.js';
import { GateRefusedOut, GateReportOut, RefusedWriteOut, ToolOut, outputSchemaOf } from '../schemas.js';
import { z } from 'zod';
import type { MetaContext } from '../meta-tool.js';
import { TypeReportOut, typeReportOut, typeReportText } from './diagnostics-out.js';
import { sourceFileName } from '../../compiler/compile.js';

export const SavedOut = ToolOut.extend({
  saved: z.literal(true),
  unchanged: z.boolean().optional().describe('True when nothing changed (same code and settings as the active version): no version was made.'),
  gate: GateReportOut.optional().describe('update_tool/edit_tool: the regression gate the new version passed (or was forced past) before it went live.'),
  ...TypeReportOut,
});
/** A version the gate refused is saved, and checked like any other. */
const GateRefusedWithTypes = GateRefusedOut.extend(TypeReportOut);
export const WRITE_OUTPUT = outputSchemaOf(SavedOut, GateRefusedWithTypes, RefusedWriteOut);

/**
 * create_tool/update_tool/edit_tool answer alike: the saved tool, or a refusal (compile error,
 * module that throws while loading, no default export) with line, column and code frame, or
 * (update/edit) a version the regression gate refused: saved but NOT active, with the report.
 * Both refusals are `isError: true`: the patch did not go live.
 */
export function writeResult(outcome: WriteOutcome, ctx: MetaContext, name: string, activeVersion: number | null, savedText: (version: number) => string): CallToolResult {
  if (outcome.ok && outcome.inactiveVersion !== undefined && outcome.gate !== undefined) {
    const { gate: report, inactiveVersion: version, tool } = outcome;
    const structured: z.infer<typeof GateRefusedWithTypes> = { saved: true, active: false, refused_by: 'gate', tool: name, version, active_version: tool.activeVersion, gate: gateReportOut(report, false), ...typeReportOut(outcome.types) };
    const text = [
      `${name} version ${version} is NOT active: the regression gate refused it (${report.failing} failing case${report.failing === 1 ? '' : 's'}). Version ${tool.activeVersion} keeps serving.`,
      '',
      gateReportText(report, name),
      '',
      `Version ${version} is kept in the history (get_tool with version ${version} shows this report). Fix the code and update again (patches start from the active version ${tool.activeVersion}), or pass force: true to make it active anyway.`,
      ...typeReportText(sourceFileName(name, tool.language), outcome.types).flatMap((line, i) => (i === 0 ? ['', line] : [line])),
    ].join('\n');
    // isError: the patch did not go live, like a refusal that saved nothing.
    return failure(structured, text);
  }
  if (outcome.ok) {
    const types = typeReportText(sourceFileName(name, outcome.tool.language), outcome.types);
    const report = types.length === 0 ? '' : `\n\n${types.join('\n')}`;
    if (outcome.unchanged === true) {
      const structured = { saved: true as const, unchanged: true, ...toolOut(outcome.tool), ...typeReportOut(outcome.types) };
      return success(structured, `Nothing changed: version ${outcome.tool.activeVersion} of ${name} has this code and these settings already, so no version was made.${report}\n\n${json(structured)}`);
    }
    ctx.toolsChanged();
    const forced = outcome.forced === true;
    const structured = { saved: true as const, ...toolOut(outcome.tool), ...(outcome.gate === undefined ? {} : { gate: gateReportOut(outcome.gate, forced) }), ...typeReportOut(outcome.types) };
    const gate = outcome.gate === undefined ? [] : [forced ? `FORCED past ${outcome.gate.failing} failing gate case${outcome.gate.failing === 1 ? '' : 's'}:` : 'The gate passed.', gateReportText(outcome.gate, name), ''];
    return success(structured, [savedText(outcome.tool.activeVersion), ...gate, ...(types.length === 0 ? [] : ['', ...types]), '', json(structured)].join('\n'));
  }
  const { failure: f, executionId } = outcome;
  const structured: z.infer<typeof RefusedWriteOut> = { saved: false, tool: name, execution_id: executionId, active_version: activeVersion, error: failureOut(f) };
  const top = f.frames[0];
  const where = top ? ` at line ${top.line}, column ${top.column}` : '';
  const why = f.name === 'TypeCheckError' ? `strict_types is set and the type checker found errors${where}` : f.kind === 'compile' && top ? `the code does not compile${where}` : `the module cannot be loaded${where}`;
  const after = activeVersion === null ? 'Nothing was saved.' : `Nothing was saved; version ${activeVersion} keeps serving.`;
  return failure(structured, [`${name} was not saved: ${why}.`, '', failureText(f), '', `${after} Execution id: ${executionId}.`].join('\n'));
}
