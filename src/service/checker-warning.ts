/**
 * The link from a run-time failure back to the type checker (issue 17, item 1): when a frame
 * of the failure is on a line the checker warned about when that version was saved, the agent
 * hears it: "the checker warned about this line at create: TS2339 Property 'x' does not exist
 * on type ...". The warning was advice then; the failure shows it was right.
 */
import type { Frame } from '../model.js';
import type { TypeDiagnostic } from '../typecheck/types.js';
import type { ServiceDeps } from './deps.js';
import { storedDiagnostics } from './type-diagnostics.js';

export interface CheckerWarning {
  tool: string;
  version: number;
  /** How that version was made: the checker ran then. */
  savedBy: 'create' | 'update' | 'edit' | 'rollback';
  diagnostic: TypeDiagnostic;
}

/** Frames looked at, innermost first: the failing line and the calls just above it. */
const MAX_FRAMES = 10;

export async function checkerWarningFor(deps: ServiceDeps, persona: string, frames: readonly Frame[]): Promise<CheckerWarning | null> {
  for (const frame of frames.slice(0, MAX_FRAMES)) {
    // A package's frames are not the agent's source; version 0 is refused code (never saved, never checked).
    if (frame.package !== undefined || frame.sampled === true || frame.version < 1) continue;
    let diagnostics: TypeDiagnostic[];
    try {
      diagnostics = await storedDiagnostics(deps, persona, frame.tool, frame.version);
    } catch {
      return null; // the store cannot say: get_last_error answers without it
    }
    const onLine = diagnostics.filter((d) => d.line === frame.line);
    if (onLine.length === 0) continue;
    // The one nearest the failing column: a line may carry several.
    const diagnostic = onLine.reduce((best, d) => (Math.abs(d.column - frame.column) < Math.abs(best.column - frame.column) ? d : best));
    return { tool: frame.tool, version: frame.version, savedBy: await savedBy(deps, persona, frame.tool, frame.version), diagnostic };
  }
  return null;
}

async function savedBy(deps: ServiceDeps, persona: string, tool: string, version: number): Promise<CheckerWarning['savedBy']> {
  try {
    return (await deps.store.tools.getVersion(persona, tool, version)).origin.kind;
  } catch {
    return 'update';
  }
}

export function checkerWarningText(w: CheckerWarning): string {
  const when = w.savedBy === 'rollback' ? `when version ${w.version} was first saved` : `at ${w.savedBy} (version ${w.version})`;
  const d = w.diagnostic;
  return `The type checker warned about this line ${when}: TS${d.code} ${d.message} (${w.tool}.ts:${d.line}:${d.column}).`;
}
