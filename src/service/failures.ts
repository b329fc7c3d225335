import type { Failure, FailureKind, Frame, ThrownValue, VersionRecord } from '../model.js';
import { codeFrame } from '../traceback/code-frame.js';
import { mapStack, type VersionResolver } from '../traceback/map-stack.js';
import type { SourceMapCache } from '../traceback/source-maps.js';
import { frozenRealmHint, isMemoryLimitError } from '../sandbox-host/classify.js';
import { factsFromGuest } from './failure-facts.js';
import type { GuestFailure } from './guest-envelope.js';

export interface FailureContext {
  persona: string;
  sourceMaps: SourceMapCache;
  /** Looks up any version a frame names (a tool's frames all name its running version). */
  resolveVersion: VersionResolver;
}

/** A failure the guest described (exception, invalid result), mapped into the agent's lines. */
export async function failureFromGuest(guest: GuestFailure, ctx: FailureContext): Promise<Failure> {
  const { frames: stack, mapped } = await mapStack({
    stack: guest.stack,
    persona: ctx.persona,
    resolveVersion: ctx.resolveVersion,
    cache: ctx.sourceMaps,
    message: guest.message,
  });
  // A package's top-level code runs as the bundle loads, with no frame of the agent's below it:
  // the agent's import of the package is where that code was asked for.
  const importSite = firstOwnFrame(stack) === undefined ? await packageImportSite(stack, ctx) : null;
  const frames = importSite === null ? stack : [...stack, importSite];
  // The agent's own code first: a failure inside a package is shown at the line that called it.
  const top = firstOwnFrame(frames);
  let frame: string | null = null;
  if (top) {
    const version = await ctx.resolveVersion(top.tool, top.version);
    if (version) frame = codeFrame(version.source, top.line, top.column) || null;
  }
  const hint = guest.kind !== 'exception' ? null : guest.subkind === 'unhandled_rejection' ? UNHANDLED_REJECTION_HINT : guest.thrown === 'value' ? thrownValueHint(guest.value) : frozenRealmHint(guest.name, guest.message);
  const facts = await factsFromGuest(guest, ctx);
  return {
    ...facts,
    kind: guest.kind === 'exception' && isMemoryLimitError(guest.name, guest.message) ? 'memory' : guest.kind,
    name: guest.name,
    message: hint ? `${guest.message}. ${hint}` : guest.message,
    frames,
    rawStack: guest.stack,
    mapped,
    codeFrame: frame,
    ...(guest.subkind === undefined ? {} : { subkind: guest.subkind }),
  };
}

/**
 * The innermost frame in code the agent wrote (the tool or one of its libraries): a package's
 * frames (Frame.package) come first in a stack that failed inside it, but its source is not
 * kept, and the line to change is the one that called into it.
 */
export function firstOwnFrame<F extends { package?: string }>(frames: readonly F[]): F | undefined {
  return frames.find((f) => f.package === undefined);
}

/** The tool's import of the package the innermost frame is in (`from "csv-parse/sync"`), as a frame; null when not found. */
async function packageImportSite(frames: readonly Frame[], ctx: FailureContext): Promise<Frame | null> {
  const top = frames[0];
  if (top?.package === undefined) return null;
  const name = top.package.slice(0, top.package.lastIndexOf('@'));
  const version = await ctx.resolveVersion(top.tool, top.version);
  if (version === undefined || name === '') return null;
  const lines = version.source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = new RegExp(`(["'\`])${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?:\\1|/)`).exec(lines[i]!);
    if (match !== null) {
      return { function: '<module>', tool: top.tool, version: top.version, file: `${top.tool}.${version.language === 'typescript' ? 'ts' : 'js'}`, line: i + 1, column: match.index + 1 };
    }
  }
  return null;
}

/**
 * Said when the tool threw something that is not an Error. Its frames (where the compiler
 * recorded the throw site) say where; this says why an Error serves better.
 */
export function thrownValueHint(value: ThrownValue | undefined): string {
  const type = value?.type ?? 'value';
  const article = /^[aeiou]/.test(type) ? 'an' : 'a';
  const json = value?.json ?? '';
  const message = type === 'string' && json.length <= 200 ? json : '"what went wrong"';
  const keep = type === 'object' && json.startsWith('{') && json.length <= 200 ? `Object.assign(new Error("what went wrong"), ${json})` : `new Error(${message})`;
  return `The tool threw ${article} ${type}, not an Error: throw ${keep} instead, so that it has a message, a stack and instanceof Error for code that catches it.`;
}

/** Said with every unhandled rejection: the frames show where it rejected, not what let it go. */
export const UNHANDLED_REJECTION_HINT =
  'Nothing awaited this promise, so its rejection surfaced only when the call ended. A promise was not awaited: await it or return it (for an async callback per item, `await Promise.all(items.map(async (x) => ...))` instead of forEach).';

/** A failure with no guest stack: limits, argument checks, sandbox faults. */
export function plainFailure(kind: FailureKind, name: string, message: string, details?: unknown): Failure {
  return { kind, name, message, frames: [], rawStack: null, mapped: true, codeFrame: null, ...(details === undefined ? {} : { details }) };
}

/** Name shown for each failure kind that has no error of its own. */
export const FAULT_NAMES: Record<FailureKind, string> = {
  compile: 'CompileError',
  exception: 'Error',
  timeout: 'TimeoutError',
  memory: 'MemoryLimitError',
  invalid_arguments: 'InvalidArguments',
  invalid_result: 'InvalidResult',
  internal: 'InternalError',
  overloaded: 'OverloadedError',
};

export function resolverFor(versions: Array<Pick<VersionRecord, 'toolName' | 'version' | 'sourceMap' | 'source' | 'language' | 'compiledJs'>>, fallback?: VersionResolver): VersionResolver {
  return (tool: string, version: number) => {
    const hit = versions.find((v) => v.toolName === tool && v.version === version);
    if (hit) return { sourceMap: hit.sourceMap, source: hit.source, language: hit.language, compiledJs: hit.compiledJs };
    return fallback?.(tool, version);
  };
}
