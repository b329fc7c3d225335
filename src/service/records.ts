import type { Effect, ExecutionRecord, Failure, FailureFacts, Frame, KvWrite } from '../model.js';
import { failureFingerprint, type SourceOf } from '../traceback/fingerprint.js';

export const RESULT_SUMMARY_CHARS = 2_000;
const MAX_LOGGED_ARGUMENTS_CHARS = 1_100_000;

/** The log keeps a readable summary of a result, never megabytes of it. */
export function summarize(json: string): string {
  if (json.length <= RESULT_SUMMARY_CHARS) return json;
  return `${json.slice(0, RESULT_SUMMARY_CHARS)}…[cut: ${json.length} characters in all]`;
}

/** Arguments as JSON text for the log; never throws, whatever the client sent. */
export function argumentsText(args: unknown, max = MAX_LOGGED_ARGUMENTS_CHARS): string {
  let text: string;
  try {
    text = JSON.stringify(args) ?? 'null';
  } catch {
    text = '"[arguments could not be converted to JSON: nested too deeply or cyclic]"';
  }
  return text.length > max ? `${text.slice(0, max)}…[cut: ${text.length} characters in all]` : text;
}

export interface RecordInput {
  id: string;
  startedAt: Date;
  durationMs: number;
  persona: string;
  toolName: string;
  operation: ExecutionRecord['operation'];
  version: number | null;
  hash: string | null;
  argumentsJson: string;
  console: string;
  cpuMs: number | null;
  heapUsedBytes: number | null;
  /** What the call did outside itself (fetch, kv), kept with success and failure alike. */
  effects?: Effect[] | null;
  /** The call's kv writes: only a success's are given to the log (successRecord), to commit with its row. */
  kvWrites?: KvWrite[];
  /** Set for a call made by another tool (ctx.tools). */
  parentExecutionId?: string;
  rootExecutionId?: string;
  /** How many times the call called ctx.progress; absent or 0 when none. */
  progressCalls?: number;
}

export function successRecord(input: RecordInput, resultJson: string): ExecutionRecord {
  return record(input, { status: 'SUCCESS', errorKind: null, errorName: null, errorMessage: null, resultSummary: summarize(resultJson), frames: null, rawStack: null, codeFrame: null, errorFacts: null }, input.kvWrites);
}

/**
 * The sources the frames name (the running version's, a library's), read first, as the
 * synchronous `sourceOf` that failureRecord fingerprints with.
 */
export async function sourcesOfFrames(frames: readonly Frame[], read: (tool: string, version: number) => Promise<string | undefined>): Promise<SourceOf> {
  const sources = new Map<string, string | undefined>();
  for (const { tool, version } of frames) {
    const key = `${tool}@${String(version)}`;
    if (!sources.has(key)) sources.set(key, await read(tool, version));
  }
  return (tool, version) => sources.get(`${tool}@${String(version)}`);
}

/**
 * `sourceOf` reads the source a frame names, for the failure's fingerprint (the failing line's
 * text): the running version's, or a library's (sourcesOfFrames).
 */
export function failureRecord(input: RecordInput, failure: Failure, sourceOf: SourceOf): ExecutionRecord {
  const out = record(input, {
    status: 'FAILURE',
    errorKind: failure.kind,
    errorName: failure.name,
    errorMessage: failure.message,
    resultSummary: null,
    frames: failure.frames,
    rawStack: failure.mapped ? failure.rawStack : failure.rawStack && `[unmapped] ${failure.rawStack}`,
    codeFrame: failure.codeFrame,
    errorFacts: factsOf(failure),
  });
  out.fingerprint = failureFingerprint(failure, sourceOf);
  return out;
}

/** The facts a failure has beyond name, message and frames, or null when it has none. */
function factsOf(failure: Failure): FailureFacts | null {
  const { thrown, properties, cause, errors, errorsOmitted, callee } = failure;
  if (thrown === undefined && properties === undefined && cause === undefined && errors === undefined && callee === undefined) return null;
  return {
    ...(callee === undefined ? {} : { callee }),
    ...(thrown === undefined ? {} : { thrown }),
    ...(properties === undefined ? {} : { properties }),
    ...(cause === undefined ? {} : { cause }),
    ...(errors === undefined ? {} : { errors }),
    ...(errorsOmitted === undefined ? {} : { errorsOmitted }),
  };
}

type Outcome = Pick<ExecutionRecord, 'status' | 'errorKind' | 'errorName' | 'errorMessage' | 'resultSummary' | 'frames' | 'rawStack' | 'codeFrame' | 'errorFacts'>;

/**
 * One object literal, no spread: V8 builds `{ ...base, more: 1 }` by cloning `base` and then
 * migrating the clone's map once per added property, which measured ~27 us for this record
 * (against ~0.5 us written out) on every call.
 */
function record(input: RecordInput, outcome: Outcome, kvWrites?: KvWrite[]): ExecutionRecord {
  const out = fields(input, outcome, kvWrites);
  if (input.parentExecutionId !== undefined) out.parentExecutionId = input.parentExecutionId;
  if (input.rootExecutionId !== undefined) out.rootExecutionId = input.rootExecutionId;
  if (input.progressCalls !== undefined && input.progressCalls > 0) out.progressCalls = input.progressCalls;
  return out;
}

function fields(input: RecordInput, outcome: Outcome, kvWrites?: KvWrite[]): ExecutionRecord {
  return {
    id: input.id,
    timestamp: input.startedAt.toISOString(),
    persona: input.persona,
    toolName: input.toolName,
    operation: input.operation,
    version: input.version,
    hash: input.hash,
    argumentsJson: input.argumentsJson,
    consoleOutput: input.console,
    durationMs: Math.round(input.durationMs * 1000) / 1000,
    cpuMs: input.cpuMs === null ? null : Math.round(input.cpuMs * 1000) / 1000,
    heapUsedBytes: input.heapUsedBytes,
    status: outcome.status,
    errorKind: outcome.errorKind,
    errorName: outcome.errorName,
    errorMessage: outcome.errorMessage,
    resultSummary: outcome.resultSummary,
    frames: outcome.frames,
    rawStack: outcome.rawStack,
    codeFrame: outcome.codeFrame,
    errorFacts: outcome.errorFacts,
    effects: input.effects ?? null,
    // A failed call's writes are dropped here: failureRecord passes none.
    kvWrites,
  };
}

/** The failure a FAILURE row records; the log marks a stack it could not map with `[unmapped]`. */
export function failureOfRecord(row: ExecutionRecord): Failure {
  return {
    kind: row.errorKind ?? 'internal',
    name: row.errorName ?? 'Error',
    message: row.errorMessage ?? '',
    frames: row.frames ?? [],
    rawStack: row.rawStack,
    mapped: !(row.rawStack ?? '').startsWith('[unmapped]'),
    codeFrame: row.codeFrame,
    ...row.errorFacts,
  };
}
