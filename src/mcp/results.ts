/**
 * Building CallToolResults. Every result has `structuredContent`; errors are `isError: true`.
 * Texts shown to the agent quote guest-controlled strings (error names, messages, console
 * output) only through `singleLine`/`capText`, so a tool cannot forge lines or flood the result.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Failure } from '../model.js';
import type { RunOutcome, RunUsage } from '../service/index.js';
import { formatFrame } from '../traceback/format.js';
import { calleeChain, crossToolLine } from '../traceback/format-callees.js';
import { singleLine, tailText } from '../traceback/display-text.js';
import { runOut } from './convert.js';

const MAX_MESSAGE = 4_000;
const MAX_CONSOLE_IN_TEXT = 4_000;

export function success(structured: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

export function failure(structured: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured, isError: true };
}

/** A request the caller can fix (unknown tool, bad argument): the message is written for it. */
export function requestError(code: string, message: string, incidentId?: string): CallToolResult {
  return failure({ error: { code, message, ...(incidentId ? { incident_id: incidentId } : {}) } }, message);
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/**
 * `TypeError: message`, the top frame as `at fn (tool.ts:L:C)`, the code frame: what an agent
 * needs to fix most bugs without another call.
 */
export function failureText(f: Failure, tool?: string): string {
  const lines = [errorLine(f)];
  const top = f.frames[0];
  if (top) lines.push(`    ${formatFrame(top)}`);
  // It came from a tool this one called: where it was raised, and the way up, in each tool's lines.
  const chain = calleeChain(f);
  const across = chain.length > 0 && tool !== undefined ? crossToolLine(tool, f) : null;
  if (across !== null) {
    const innermost = chain[chain.length - 1]!;
    lines.push(`Raised in ${singleLine(innermost.tool, 200)} (version ${innermost.version}) [${innermost.kind}]: ${errorLine(innermost)}`, `    ${across}`);
    if (innermost.codeFrame) lines.push('', innermost.codeFrame);
  }
  // The first link of the chain: often the error that says what really went wrong.
  if (f.cause) lines.push(`Caused by: ${errorLine(f.cause)}`, ...f.cause.frames.slice(0, 1).map((frame) => `    ${formatFrame(frame)}`));
  if (f.codeFrame) lines.push('', f.codeFrame);
  return lines.join('\n');
}

function errorLine(f: Pick<Failure, 'name' | 'message'>): string {
  const name = singleLine(f.name, 200);
  const message = singleLine(f.message, MAX_MESSAGE);
  if (!name) return message || '(no message)';
  return message ? `${name}: ${message}` : name;
}

/** The result of running a stored tool, natively or through run_tool. */
export function runResult(outcome: RunOutcome): CallToolResult {
  const structured = runOut(outcome);
  if (outcome.ok) {
    // The JSON text the service already made of the result (a large result is not serialised twice).
    const content: CallToolResult['content'] = [{ type: 'text', text: outcome.resultJson }];
    if (outcome.console) content.push({ type: 'text', text: `Console output:\n${tailText(outcome.console, MAX_CONSOLE_IN_TEXT)}` });
    return { content, structuredContent: structured };
  }
  const { kind } = outcome.failure;
  const text = [
    failureText(outcome.failure, outcome.tool),
    '',
    `${outcome.tool} (version ${outcome.version}) failed [${kind}] ${usageText(outcome.durationMs, outcome.usage)}. Execution id: ${outcome.executionId}.`,
    // Only a failure inside the tool's code has a traceback worth another call.
    ...(kind === 'exception' || kind === 'invalid_result' ? ['Call get_last_error for the full traceback.'] : []),
    outcome.advice,
  ];
  // The end of the output, where the lines right before a failure are.
  if (outcome.console) text.push('', `Console output:\n${tailText(outcome.console, MAX_CONSOLE_IN_TEXT)}`);
  return failure(structured, text.join('\n'));
}

/**
 * `after 1052 ms (CPU 1001 ms, heap 1.9 MB; limits 1000 ms, 64 MB)`: what the call used against
 * what it was allowed, so a timeout or memory failure says at once how far over it went.
 */
export function usageText(durationMs: number, usage: RunUsage): string {
  const used = [
    ...(usage.cpuMs === null ? [] : [`CPU ${Math.round(usage.cpuMs)} ms`]),
    ...(usage.heapUsedBytes === null ? [] : [`heap ${(usage.heapUsedBytes / (1024 * 1024)).toFixed(1)} MB`]),
  ];
  const limits = `limits ${usage.limits.timeoutMs} ms${usage.limits.memoryMb === null ? '' : `, ${usage.limits.memoryMb} MB`}`;
  return `after ${Math.round(durationMs)} ms (${[used.join(', '), limits].filter((part) => part !== '').join('; ')})`;
}
