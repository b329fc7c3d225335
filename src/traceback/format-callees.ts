/**
 * The text of a failure that crossed tools (issue 15): a tool called another with ctx.tools,
 * and the callee's failure came back as a ToolCallError. The server linked each ToolCallError
 * to the callee's own failure (model.ts CalleeFailure), so the traceback can go on into the
 * callee's source, each frame in its own tool's lines and version, down to where the error
 * was raised; and one line says the same across tools, innermost first:
 * `at parse (csv_stats.ts:12:5) ← called at report (weekly_report.ts:30:18)`.
 *
 * Names, messages and file names are the guest's: each is kept to one capped line.
 */
import type { CalleeFailure, Failure, Frame } from '../model.js';
import { singleLine } from './display-text.js';

/** Levels followed down a chain: the host's tools.maxDepth is at most 32. */
const MAX_LEVELS = 40;
const MAX_NAME = 200;
const MAX_LINE = 1_000;

/** The callees a failure went through, outermost first (empty when it did not cross tools). */
export function calleeChain(failure: { callee?: CalleeFailure }): CalleeFailure[] {
  const chain: CalleeFailure[] = [];
  for (let at = failure.callee; at !== undefined && chain.length < MAX_LEVELS; at = at.callee) chain.push(at);
  return chain;
}

/** `at fn (file:line:column)`. */
export function frameLabel(frame: Frame): string {
  const name = typeof frame.function === 'string' && frame.function !== '' ? singleLine(frame.function, MAX_NAME) : '<anonymous>';
  return `at ${name} (${singleLine(String(frame.file), MAX_NAME)}:${frame.line}:${frame.column})`;
}

/**
 * `at parse (csv_stats.ts:12:5) ← called at report (weekly_report.ts:30:18)`: the innermost
 * frame of each level, from where the error was raised up to the tool that was called first;
 * null when the failure did not cross tools. A level without frames (a timeout) says its tool.
 */
export function crossToolLine(callerTool: string, failure: Pick<Failure, 'frames'> & { callee?: CalleeFailure }): string | null {
  const chain = calleeChain(failure);
  if (chain.length === 0) return null;
  // Innermost first: each level's tool and its innermost frame, ending with the caller's own.
  const levels = [{ tool: callerTool, frame: failure.frames[0] }, ...chain.map((level) => ({ tool: level.tool, frame: level.frames[0] }))].reverse();
  return levels
    .map(({ tool, frame }, i) => {
      const where = frame === undefined ? `in ${singleLine(tool, MAX_NAME)}` : frameLabel(frame);
      return i === 0 ? where : `called ${where}`;
    })
    .join(' ← ');
}

/**
 * The traceback's frames past the caller's own, outermost first: for each callee, a line that
 * says which tool, version and execution was called, then its frames.
 */
export function calleeFrameLines(chain: readonly CalleeFailure[], frameLines: (frame: Frame) => string[]): string[] {
  const out: string[] = [];
  for (const level of chain) {
    out.push(`  Calling ${singleLine(level.tool, MAX_NAME)} (version ${level.version}, execution ${singleLine(level.executionId, MAX_NAME)}):`);
    for (const frame of [...level.frames].reverse()) out.push(...frameLines(frame));
  }
  return out;
}

/** Where the innermost error came from, said under it: which tool raised it and which did not catch it. */
export function raisedLine(callerTool: string, chain: readonly CalleeFailure[]): string {
  const innermost = chain[chain.length - 1]!;
  const above = [callerTool, ...chain.slice(0, -1).map((level) => level.tool)].map((tool) => singleLine(tool, MAX_NAME)).reverse();
  const got = above.length === 1 ? `${above[0]} got it as a ToolCallError and did not catch it` : `${above.join(', ')} each got it as a ToolCallError and did not catch it`;
  return `  (raised in ${singleLine(innermost.tool, MAX_NAME)} version ${innermost.version}, execution ${singleLine(innermost.executionId, MAX_NAME)}; ${got})`;
}

/** A callee linked to a cause or member (the caller wrapped the ToolCallError): indented lines under it. */
export function linkedCalleeLines(callee: CalleeFailure, indent: string, maxFrames: number): string[] {
  const out: string[] = [];
  for (const level of calleeChain({ callee })) {
    const what = `${singleLine(level.name, MAX_NAME)}: ${singleLine(level.message, MAX_LINE)}`;
    out.push(`${indent}In ${singleLine(level.tool, MAX_NAME)} (version ${level.version}, execution ${singleLine(level.executionId, MAX_NAME)}) [${singleLine(level.kind, 40)}]: ${what}`);
    for (const frame of level.frames.slice(0, maxFrames)) out.push(`${indent}  ${frameLabel(frame)}`);
    if (level.frames.length > maxFrames) out.push(`${indent}  … ${level.frames.length - maxFrames} more frames`);
    indent += '  ';
  }
  return out;
}
