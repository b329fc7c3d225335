/**
 * The lines a traceback adds for what a failure says beyond its own frames (model.ts
 * FailureFacts): the error's properties, its cause chain and an AggregateError's members, each
 * with its frames in the agent's lines. Names, messages and JSON are the guest's: each is kept
 * to one capped line, and the number of lines is bounded however deep the chain.
 */
import type { FailureFacts, Frame, LinkedError } from '../model.js';
import { singleLine } from './display-text.js';
import { linkedCalleeLines } from './format-callees.js';

const MAX_LINE = 1_000;
const MAX_FRAMES = 10;
/** Lines for all linked errors together. */
const MAX_LINES = 200;

export function factsLines(facts: FailureFacts): string[] {
  const out: string[] = [];
  const properties = propertiesLine(facts.properties);
  if (properties !== null) out.push('', properties);
  linkedLines(facts, '', out);
  if (out.length > MAX_LINES) return [...out.slice(0, MAX_LINES), '… (more linked errors left out)'];
  return out;
}

function linkedLines(facts: FailureFacts, indent: string, out: string[]): void {
  if (out.length > MAX_LINES) return;
  if (facts.cause !== undefined) {
    out.push('', `${indent}Caused by: ${headline(facts.cause)}`);
    errorBody(facts.cause, `${indent}  `, out);
  }
  if (facts.errors !== undefined && facts.errors.length > 0) {
    const omitted = facts.errorsOmitted ?? 0;
    out.push('', `${indent}Errors (${facts.errors.length + omitted}):`);
    facts.errors.forEach((member, i) => {
      out.push(`${indent}  [${i}] ${headline(member)}`);
      errorBody(member, `${indent}      `, out);
    });
    if (omitted > 0) out.push(`${indent}  … and ${omitted} more`);
  }
}

function errorBody(error: LinkedError, indent: string, out: string[]): void {
  if (error.circular === true) return;
  const frames = Array.isArray(error.frames) ? error.frames : [];
  for (const frame of frames.slice(0, MAX_FRAMES)) out.push(`${indent}${frameText(frame)}`);
  if (frames.length > MAX_FRAMES) out.push(`${indent}… ${frames.length - MAX_FRAMES} more frames`);
  const properties = propertiesLine(error.properties);
  if (properties !== null) out.push(`${indent}${properties}`);
  // A ToolCallError the tool wrapped: the failure of the tool it called, in that tool's lines.
  if (error.callee !== undefined) out.push(...linkedCalleeLines(error.callee, indent, MAX_FRAMES));
  linkedLines(error, indent, out);
}

function headline(error: LinkedError): string {
  const name = singleLine(String(error.name), 200);
  const message = singleLine(String(error.message), MAX_LINE);
  const text = message === '' ? name : `${name}: ${message}`;
  return error.circular === true ? `${text} (the same error as above, not repeated)` : text;
}

function frameText(f: Frame): string {
  const name = typeof f.function === 'string' && f.function !== '' ? singleLine(f.function, 200) : '<anonymous>';
  return `at ${name} (${singleLine(String(f.file), 200)}:${f.line}:${f.column})`;
}

function propertiesLine(properties: Record<string, unknown> | undefined): string | null {
  if (properties === undefined) return null;
  try {
    const json = JSON.stringify(properties);
    return json === undefined || json === '{}' ? null : `Properties: ${singleLine(json, MAX_LINE)}`;
  } catch {
    return null;
  }
}
