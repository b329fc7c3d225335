/**
 * The regression gate's report as text for the agent: one block per case that did not pass
 * (arguments, what was expected, what the new version did, with the located error and code
 * frame as a call's failure shows them), then a line for the cases that passed. Guest strings
 * go through singleLine/capText like every result text (results.ts).
 */
import type { GateCase, GateReport } from '../model.js';
import { singleLine } from '../traceback/display-text.js';
import { failureText } from './results.js';

const MAX_JSON_IN_TEXT = 300;

export function gateReportText(report: GateReport, tool: string): string {
  const counts = `${report.tests} declared test${report.tests === 1 ? '' : 's'}, ${report.replays} replayed call${report.replays === 1 ? '' : 's'}`;
  const lines = [`Gate: ${counts}; ${report.failing} refusing, ${Math.round(report.durationMs)} ms${report.timedOut ? ' (ran out of time: gate.timeoutMs)' : ''}.`];
  if (report.replaySkipped !== undefined) lines.push(`Replays skipped: ${report.replaySkipped}.`);
  const shown = report.cases.filter((c) => c.status !== 'passed');
  for (const c of shown) lines.push('', ...caseLines(c, tool));
  const passed = report.cases.length - shown.length;
  if (passed > 0) lines.push('', `${passed} case${passed === 1 ? '' : 's'} passed.`);
  return lines.join('\n');
}

function caseLines(c: GateCase, tool: string): string[] {
  const label = c.source === 'test' ? `test ${singleLine(JSON.stringify(c.name ?? ''), 200)}` : 'replayed call';
  const lines = [`[${c.status.toUpperCase()}] ${label} with arguments ${short(c.argumentsJson)}`];
  const before = 'errorKind' in c.before ? `a failure of kind ${c.before.errorKind}` : c.before.resultJson === undefined ? 'success' : `success, result ${short(c.before.resultJson)}`;
  lines.push(c.source === 'test' ? `  expected: ${before}` : `  before: ${before}`);
  if (c.after === null) lines.push('  after: not run');
  else if (c.after.ok) lines.push(`  after: success, result ${short(c.after.resultJson)}`);
  else lines.push(`  after: failed [${c.after.failure.kind}]`, ...failureText(c.after.failure, tool).split('\n').map((l) => `    ${l}`));
  if (c.reason !== undefined) lines.push(`  why: ${c.reason}`);
  return lines;
}

function short(json: string): string {
  return singleLine(json, MAX_JSON_IN_TEXT);
}
