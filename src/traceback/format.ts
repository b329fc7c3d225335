/**
 * Text renderings of frames and failures for the agent: a `formatFrame` line as in a JS stack,
 * and a Python-style traceback (outermost call first, the error last, right above the code it
 * points at), which reads well in a tool result and in a log.
 *
 * Name, message and stack are guest-controlled: they are capped and kept free of control
 * characters, so they cannot forge lines of the traceback or flood it.
 */
import type { CalleeFailure, Failure, FailureKind, Frame } from '../model.js';
import { capText, singleLine } from './display-text.js';
import { calleeChain, calleeFrameLines, crossToolLine, raisedLine } from './format-callees.js';
import { factsLines } from './format-facts.js';

export interface TracebackInput {
  tool: string;
  /** Null when no version was made (a refused create or update). */
  version: number | null;
  /** `create`/`update` for code that was refused; a call when absent. */
  operation?: 'call' | 'create' | 'update';
  persona: string;
  /** ISO 8601. */
  timestamp: string;
  /** The arguments as received (JSON text). */
  argumentsJson: string;
  failure: Failure;
  /** The source line a frame points at, when the caller has the source (see `sourceLineAt`). */
  sourceLineOf?: (frame: Frame) => string | undefined;
}

export const RAW_STACK_MARKER = '(raw stack, could not be mapped to your source)';

/** Sampled frames (model.ts Frame.sampled) are functions, each shown where it starts. */
export const SAMPLED_HEADING = 'Where the CPU was (sampled: the hottest function and its callers, each at the line where it starts):';

const MAX_NAME = 200;
const MAX_MESSAGE = 4_000;
const MAX_INPUT = 1_000;
const MAX_SOURCE_LINE = 200;
const MAX_RAW_STACK = 8_000;
const MAX_DETAILS = 4_000;

/**
 * `at fib (fibonacci.ts:7:15)`; `at <anonymous> (x.ts:1:2)` for anonymous functions; a sampled
 * frame says so: `at collatz (collatz.ts:18:10) [sampled: where the function starts]`.
 */
export function formatFrame(f: Frame): string {
  const at = `at ${functionLabel(f)} (${singleLine(f.file, MAX_NAME)}:${f.line}:${f.column})${packageNote(f)}`;
  return f.sampled === true ? `${at} [sampled: where the function starts]` : at;
}

export function formatTraceback(input: TracebackInput): string {
  const { failure } = input;
  const chain = calleeChain(failure);
  if (chain.length > 0) return crossToolTraceback(input, chain);
  const out: string[] = [...header(input), ''];

  const frames = Array.isArray(failure.frames) ? failure.frames : [];
  const note = kindNote(failure, frames.length > 0);
  if (note !== null) out.push(note);
  if (frames.length > 0) {
    out.push(failure.kind === 'compile' ? 'Compile error:' : frames.some((f) => f.sampled === true) ? SAMPLED_HEADING : 'Traceback (most recent call last):');
    // Frames are stored innermost first; a traceback reads from the outermost call down.
    for (const frame of [...frames].reverse()) out.push(...frameLines(frame, input.sourceLineOf));
  }
  out.push(errorLine(failure));

  if (typeof failure.codeFrame === 'string' && failure.codeFrame !== '') out.push('', failure.codeFrame);
  return [...out, ...tail(failure)].join('\n');
}

/**
 * A failure that came from a tool this one called (ctx.tools), uncaught on the way up: one
 * traceback from the agent's call down into each callee's source, then the error where it was
 * raised, with the kind of failure it was there (a callee's timeout is a timeout).
 */
function crossToolTraceback(input: TracebackInput, chain: readonly CalleeFailure[]): string {
  const { failure } = input;
  const innermost = chain[chain.length - 1]!;
  const out: string[] = [...header(input), ''];
  const note = kindNote({ ...innermost, rawStack: null, mapped: true }, innermost.frames.length > 0);
  if (note !== null) out.push(note);
  out.push('Traceback (most recent call last):');
  const frames = Array.isArray(failure.frames) ? failure.frames : [];
  for (const frame of [...frames].reverse()) out.push(...frameLines(frame, input.sourceLineOf));
  out.push(...calleeFrameLines(chain, (frame) => frameLines(frame, input.sourceLineOf)));
  out.push(errorLine(innermost), raisedLine(input.tool, chain));
  const codeFrame = innermost.codeFrame ?? failure.codeFrame;
  if (typeof codeFrame === 'string' && codeFrame !== '') out.push('', codeFrame);
  const across = crossToolLine(input.tool, failure);
  if (across !== null) out.push('', `Across tools: ${across}`);
  return [...out, ...tail(failure)].join('\n');
}

/** What every traceback ends with: the error's other facts, an unmapped stack, details. */
function tail(failure: Failure): string[] {
  const out: string[] = [];
  out.push(...factsLines(failure));
  if (!failure.mapped && typeof failure.rawStack === 'string' && failure.rawStack !== '') {
    out.push('', RAW_STACK_MARKER, multiline(failure.rawStack, MAX_RAW_STACK));
  }
  const details = detailsText(failure.details);
  if (details !== null) out.push('', 'Details:', details);
  return out;
}

function header(input: TracebackInput): string[] {
  const refused = input.operation === 'create' || input.operation === 'update';
  const version = refused ? ` (${input.operation} refused, nothing saved)` : input.version === null ? '' : ` (version ${input.version})`;
  return [
    `Tool:    ${singleLine(input.tool, MAX_NAME)}${version}`,
    `Persona: ${singleLine(input.persona, MAX_NAME)}`,
    `Time:    ${singleLine(input.timestamp, MAX_NAME)}`,
    `Input:   ${singleLine(input.argumentsJson, MAX_INPUT)}`,
    `Failure: ${singleLine(input.failure.kind, MAX_NAME)}`,
  ];
}

function functionLabel(f: Frame): string {
  return typeof f.function === 'string' && f.function !== '' ? singleLine(f.function, MAX_NAME) : '<anonymous>';
}

/** ` [package csv-parse@7.0.3]`: a frame in code the host installed, not the agent's. */
function packageNote(f: Frame): string {
  return typeof f.package === 'string' ? ` [package ${singleLine(f.package, MAX_NAME)}]` : '';
}

function frameLines(frame: Frame, sourceLineOf: TracebackInput['sourceLineOf']): string[] {
  // Compile errors have a place but no function: Python's `File "x", line n` form.
  const where = `  File "${singleLine(frame.file, MAX_NAME)}", line ${frame.line}, column ${frame.column}`;
  const lines = [`${frame.function === '' ? where : `${where}, in ${functionLabel(frame)}`}${packageNote(frame)}`];
  let source: string | undefined;
  try {
    // A package's source is not kept (its tool and version are the importer's).
    source = frame.package === undefined ? sourceLineOf?.(frame) : undefined;
  } catch {
    source = undefined;
  }
  if (typeof source === 'string' && source.trim() !== '') {
    lines.push(`    ${singleLine(source.trim(), MAX_SOURCE_LINE)}`);
  }
  return lines;
}

/** `Name: message`, or whichever of the two is not empty. */
function errorLine(failure: Pick<Failure, 'name' | 'message'>): string {
  const name = typeof failure.name === 'string' ? singleLine(failure.name, MAX_NAME) : '';
  const message = typeof failure.message === 'string' ? multiline(failure.message, MAX_MESSAGE) : '';
  if (name === '') return message === '' ? '(no message)' : message;
  return message === '' ? name : `${name}: ${message}`;
}

// What `typeof` says, which is what Failure.name holds when the thrown value was not an Error.
const TYPEOF_NAMES = new Set([
  'string', 'number', 'bigint', 'boolean', 'symbol', 'undefined', 'object', 'function', 'null',
]);

/** One sentence on what kind of failure this is, when the error line alone would not say. */
function kindNote(failure: Pick<Failure, 'kind' | 'mapped' | 'rawStack' | 'name'>, hasFrames: boolean): string | null {
  const kind: FailureKind = failure.kind;
  switch (kind) {
    case 'compile':
      return hasFrames ? null : 'Compile error:';
    case 'invalid_arguments':
      return "The arguments do not match the tool's input schema, so the tool did not run: the call must change, not the tool.";
    case 'invalid_result':
      return 'The tool ran, but its return value was rejected.';
    case 'timeout':
      return 'The call was stopped: it ran past its time limit.';
    case 'memory':
      return 'The call was stopped: it ran past its memory limit.';
    case 'internal':
      return 'Chameleon failed while running the tool; this is not a fault in your code.';
    case 'overloaded':
      return 'The call did not run: the server is busy with this tool. This is not a fault in your code; retry later.';
    case 'exception':
      if (hasFrames || !failure.mapped) return null;
      if (failure.rawStack === null && TYPEOF_NAMES.has(failure.name)) {
        return `Your code threw a ${failure.name}, not an Error, so there is no traceback; throw new Error(...) to get one.`;
      }
      return 'The error has no stack frames in your code.';
    default:
      return null;
  }
}

/** Text that may keep its line breaks, capped and without other control characters. */
function multiline(text: string, max: number): string {
  return capText(text, max)
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ');
}

function detailsText(details: unknown): string | null {
  if (details === undefined) return null;
  try {
    const json = JSON.stringify(details, null, 2);
    return typeof json === 'string' ? multiline(json, MAX_DETAILS) : null;
  } catch {
    // Cycles or throwing toJSON: details are optional extras, the traceback stands without them.
    return null;
  }
}
