/**
 * Tools that call tools (issue 15), for the tool-calls tests: create them on a real engine and
 * read back what the log says about a call tree.
 */
import { expect } from 'vitest';
import type { CreateToolInput, PersonaScope, RunOutcome } from '../../src/service/index.js';

/** Creates a tool (TypeScript, any object arguments unless given) and insists it was saved. */
export async function createOk(scope: PersonaScope, name: string, code: string, options: Partial<CreateToolInput> = {}): Promise<void> {
  const made = await scope.createTool({ name, description: `test tool ${name}`, code, ...options });
  expect(made.ok, JSON.stringify(made)).toBe(true);
}

/** A tool that may call `callees`. */
export function calling(...callees: string[]): Partial<CreateToolInput> {
  return { capabilities: { tools: callees } };
}

export function failureOf(outcome: RunOutcome): Extract<RunOutcome, { ok: false }>['failure'] {
  expect(outcome.ok, JSON.stringify(outcome)).toBe(false);
  return (outcome as Extract<RunOutcome, { ok: false }>).failure;
}

export function resultOf(outcome: RunOutcome): unknown {
  expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
  return (outcome as Extract<RunOutcome, { ok: true }>).result;
}

/** 1-based line of the first line of `source` containing `text`. */
export function lineOf(source: string, text: string): number {
  const index = source.split('\n').findIndex((line) => line.includes(text));
  expect(index, `"${text}" in the source`).toBeGreaterThanOrEqual(0);
  return index + 1;
}

/** The three-level chain of the tool-calls tests: dashboard → weekly_report → csv_stats. */
export const CSV_STATS = [
  'function parse(line: string): number[] {',
  "  const cells = line.split(',');",
  "  if (cells.some((c) => c.trim() === '')) {",
  '    throw new TypeError(`empty cell in ${JSON.stringify(line)}`);',
  '  }',
  '  return cells.map(Number);',
  '}',
  '',
  'export default function stats(args: { csv: string }) {',
  "  const rows = args.csv.trim().split('\\n').map((line) => parse(line));",
  '  return { rows: rows.length, sum: rows.flat().reduce((a, b) => a + b, 0) };',
  '}',
].join('\n');

export const WEEKLY_REPORT = [
  'export default async function report(args: { weeks: string[] }, ctx: any) {',
  '  const sums: number[] = [];',
  '  for (const csv of args.weeks) {',
  '    const stats = await ctx.tools.csv_stats({ csv });',
  '    sums.push(stats.sum);',
  '  }',
  '  return { sums };',
  '}',
].join('\n');

export const DASHBOARD = [
  'export default async function main(args: { weeks: string[] }, ctx: any) {',
  "  const report = await ctx.tools.call('weekly_report', { weeks: args.weeks });",
  '  return { total: report.sums.reduce((a: number, b: number) => a + b, 0) };',
  '}',
].join('\n');
