/**
 * `strict_types: true` (issue 17): a version whose source the checker finds type errors in is
 * refused, as code that does not compile is: nothing is saved, the answer is located in the
 * agent's lines, and the refusal is in the log. The checker stays advisory for every other
 * version.
 */
import { sourceFileName } from '../compiler/compile.js';
import { AppError } from '../errors.js';
import type { Failure } from '../model.js';
import { codeFrame } from '../traceback/code-frame.js';
import type { TypeDiagnostic } from '../typecheck/types.js';
import type { ServiceDeps } from './deps.js';
import { failureRecord } from './records.js';
import { reportOf, type PendingCheck } from './type-diagnostics.js';

/** The version number frames of refused code carry (authoring.ts UNSAVED_VERSION). */
const UNSAVED_VERSION = 0;

export interface StrictWrite {
  persona: string;
  name: string;
  operation: 'create' | 'update';
  source: string;
  /** The write's arguments, logged as a refused write's are (the code as its length). */
  argumentsJson: string;
}

/**
 * Waits for the check of a strict version: null when it found no error, else the refusal
 * (logged). A checker that cannot answer refuses the write too: strict_types promises checked code.
 */
export async function strictTypesRefusal(deps: ServiceDeps, write: StrictWrite, check: PendingCheck | null): Promise<{ ok: false; failure: Failure; executionId: string } | null> {
  if (check === null) {
    throw new AppError('TYPECHECK_UNAVAILABLE', 'strict_types needs the type checker, which this server has turned off (config typecheck.enabled). Leave strict_types out, or ask the operator to enable it.');
  }
  const started = deps.now();
  const t0 = performance.now();
  const report = reportOf(await check.outcome);
  if (report.state !== 'checked') {
    throw new AppError('TYPECHECK_UNAVAILABLE', `strict_types needs a type check, and ${report.note.replace(/^Types were not checked: /, 'the checker could not give one: ').replace(/ The version is saved;.*$/, '')} Nothing was saved: retry, or leave strict_types out to save without it.`);
  }
  const errors = report.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return null;
  const failure = strictFailure(write, errors);
  const executionId = deps.newExecutionId();
  await deps.log.write(
    failureRecord(
      {
        id: executionId,
        startedAt: started,
        durationMs: performance.now() - t0,
        persona: write.persona,
        toolName: write.name,
        operation: write.operation,
        version: null,
        hash: null,
        argumentsJson: write.argumentsJson,
        console: '',
        cpuMs: null,
        heapUsedBytes: null,
      },
      failure,
      // The refused draft is the source its frames (UNSAVED_VERSION) point into: the fingerprint reads its line.
      (tool, version) => (tool === write.name && version === UNSAVED_VERSION ? write.source : undefined),
    ),
  );
  return { ok: false, failure, executionId };
}

function strictFailure(write: StrictWrite, errors: readonly TypeDiagnostic[]): Failure {
  const file = sourceFileName(write.name, 'typescript');
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more type error${errors.length > 2 ? 's' : ''})` : '';
  return {
    kind: 'compile',
    name: 'TypeCheckError',
    message: `${file}:${first.line}:${first.column}: TS${first.code} ${first.message.replace(/\.$/, '')}${more}. strict_types refuses code with type errors: fix them, or update with strict_types: false to save it with the diagnostics as advice.`,
    frames: [{ function: '<module>', tool: write.name, version: UNSAVED_VERSION, file, line: first.line, column: first.column }],
    rawStack: null,
    mapped: true,
    codeFrame: codeFrame(write.source, first.line, first.column) || null,
    details: errors.slice(0, 10).map((d) => ({ message: `TS${d.code}: ${d.message}`, line: d.line, column: d.column })),
  };
}
