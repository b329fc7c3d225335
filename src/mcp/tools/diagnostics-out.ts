/** How create/update/edit and get_tool show the type checker's diagnostics (issue 17, item 1). */
import { z } from 'zod';
import type { TypeReport } from '../../service/index.js';
import type { TypeDiagnostic } from '../../typecheck/types.js';

export const DiagnosticOut = z.object({
  line: z.number().int().describe('1-based, in the source as written.'),
  column: z.number().int().describe('1-based, in the source as written.'),
  code: z.number().int().describe("TypeScript's error number: 2339 is TS2339."),
  message: z.string(),
  severity: z.enum(['error', 'warning']),
});

/** The fields a write's answer gains for a TypeScript version. */
export const TypeReportOut = {
  diagnostics: z
    .array(DiagnosticOut)
    .optional()
    .describe(
      "What the TypeScript checker says about the saved code, in your own lines ([] when nothing). Advisory: the version is saved and active anyway, unless strict_types is set. Absent for JavaScript and SQL, and while the checker has not answered (see diagnostics_pending).",
    ),
  diagnostics_omitted: z.number().int().optional().describe('How many more diagnostics there were than the ones listed.'),
  diagnostics_pending: z.boolean().optional().describe('True when the checker had not answered in time: the version is live, and get_tool shows the diagnostics once they come.'),
  diagnostics_note: z.string().optional().describe('Why there are no diagnostics (checker pending, busy or failed).'),
};

export function typeReportOut(report: TypeReport | undefined): { diagnostics?: TypeDiagnostic[]; diagnostics_omitted?: number; diagnostics_pending?: boolean; diagnostics_note?: string } {
  if (report === undefined) return {};
  if (report.state === 'checked') return { diagnostics: report.diagnostics, ...(report.omitted > 0 ? { diagnostics_omitted: report.omitted } : {}) };
  return report.state === 'pending' ? { diagnostics_pending: true, diagnostics_note: report.note } : { diagnostics_note: report.note };
}

/** `my_tool.ts:3:7 error TS2339: Property 'x' ...`, one line each (tsc's own layout). */
export function diagnosticLines(file: string, diagnostics: readonly TypeDiagnostic[]): string[] {
  return diagnostics.map((d) => `${file}:${d.line}:${d.column} ${d.severity} TS${d.code}: ${d.message.replace(/\n/g, '\n    ')}`);
}

export function typeReportText(file: string, report: TypeReport | undefined): string[] {
  if (report === undefined) return [];
  if (report.state !== 'checked') return [`Type check: ${report.note}`];
  if (report.diagnostics.length === 0) return ['Type check: no diagnostics.'];
  const count = report.diagnostics.length + report.omitted;
  return [`Type check (advisory; the version is saved): ${count} diagnostic${count === 1 ? '' : 's'}`, ...diagnosticLines(file, report.diagnostics), ...(report.omitted > 0 ? [`… and ${report.omitted} more`] : [])];
}
