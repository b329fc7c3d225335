/**
 * How `chameleon logs` shows the execution log: a table (one line per execution) and one
 * execution in full. Everything guest-controlled goes through terminalSafe (table cells are
 * made safe by renderTable).
 */
import type { Effect, ExecutionRecord, Frame } from '../model.js';
import { formatTraceback, sourceLineAt } from '../traceback/index.js';
import type { CallNode } from '../service/call-trace.js';
import { failureOfRecord } from '../service/records.js';
import { renderTable, type Column, type Palette } from './table.js';
import { indent, terminalSafe } from '../terminal-text.js';

/** `2026-11-30 12:00:01.123` (UTC). */
export function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '');
}

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return '-';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `fibonacci@2`, with the operation when it was not a call: `fibonacci@3 (update)`; `↳ ` before a call another tool made. */
export function toolLabel(row: Pick<ExecutionRecord, 'toolName' | 'version' | 'operation' | 'parentExecutionId'>): string {
  const at = row.version === null ? '' : `@${row.version}`;
  return `${row.parentExecutionId === undefined ? '' : '↳ '}${row.toolName}${at}${row.operation === 'call' ? '' : ` (${row.operation})`}`;
}

/** The one-line gist: `TypeError: ... (fibonacci.ts:7:10)` for a failure, the result for a success. */
export function shortMessage(row: ExecutionRecord): string {
  if (row.status === 'SUCCESS') return row.resultSummary ?? '';
  const head = [row.errorName, row.errorMessage].filter((s) => s !== null && s !== '').join(': ');
  const top = row.frames?.[0];
  return top ? `${head} (${top.file}:${top.line}:${top.column})` : head;
}

/** `ex_3f2c9a1b-...` is long; the table shows its first 8 characters after the prefix. */
export function shortId(id: string): string {
  return id.startsWith('ex_') ? id.slice(0, 11) : id.slice(0, 8);
}

/**
 * The columns of the log table. `steady` gives the variable columns fixed minimum widths, so
 * that the pieces `--follow` prints over time line up with the header printed first.
 */
export function logColumns(steady = false): Column<ExecutionRecord>[] {
  const min = (n: number) => (steady ? { min: n } : {});
  return [
    { header: 'TIME (UTC)', value: (r) => shortTime(r.timestamp), max: 23, ...min(23) },
    { header: 'ID', value: (r) => shortId(r.id), max: 11, ...min(11), colour: () => 'dim' },
    { header: 'TOOL', value: toolLabel, max: 40, ...min(24) },
    { header: 'STATUS', value: (r) => r.status, max: 7, ...min(7), colour: (r) => (r.status === 'SUCCESS' ? 'green' : 'red') },
    { header: 'KIND', value: (r) => r.errorKind ?? '-', max: 17, ...min(17) },
    { header: 'DURATION', value: (r) => formatDuration(r.durationMs), max: 10, ...min(10), align: 'right' },
    { header: 'MESSAGE', value: shortMessage, max: 100 },
  ];
}

/** Rows oldest first (newest at the bottom, where the eye and `--follow` are). */
export function renderLogTable(rows: readonly ExecutionRecord[], palette: Palette, width?: number, steady = false): string {
  return renderTable(logColumns(steady), [...rows].reverse(), { palette, ...(width === undefined ? {} : { width }) });
}

/** Table lines without the header, for rows that arrive while following (steady widths). */
export function renderLogLines(rows: readonly ExecutionRecord[], palette: Palette, width?: number): string {
  const lines = renderLogTable(rows, palette, width, true).split('\n');
  return lines.slice(1).join('\n');
}

const MAX_FIELD = 200;
const MAX_BLOCK = 64_000;

/** The source of a tool version, for showing the line a frame points at; undefined when unknown. */
export type SourceOf = (tool: string, version: number) => string | undefined;

/**
 * The same Python-style traceback get_last_error gives the agent (service/audit.ts builds it
 * the same way), plus the source line under each frame when `sourceOf` can find it.
 */
export function tracebackText(row: ExecutionRecord, sourceOf?: SourceOf): string {
  return formatTraceback({
    tool: row.toolName,
    version: row.version,
    operation: row.operation,
    persona: row.persona,
    timestamp: row.timestamp,
    argumentsJson: row.argumentsJson,
    failure: failureOfRecord(row),
    ...(sourceOf === undefined
      ? {}
      : {
          sourceLineOf: (f: Frame) => {
            // A package's source is not kept: its tool and version are the importer's.
            if (f.package !== undefined) return undefined;
            const source = sourceOf(f.tool, f.version);
            return source === undefined ? undefined : sourceLineAt(source, f.line);
          },
        }),
  });
}

/**
 * The calls an execution made of other tools (ctx.tools), as a tree under it, each with its
 * status and duration. Tool names and ids come from the log; renderExecution makes them safe.
 */
export function callTreeLines(row: ExecutionRecord, calls: readonly CallNode[], cut: boolean): string[] {
  // The tree shows the nesting itself: no `↳` marker here.
  const label = (r: ExecutionRecord) => `${toolLabel({ ...r, parentExecutionId: undefined })}  ${r.status}${r.errorKind === null ? '' : ` (${r.errorKind})`}  ${formatDuration(r.durationMs)}  ${shortId(r.id)}`;
  const out = [label(row)];
  const walk = (nodes: readonly CallNode[], prefix: string): void => {
    nodes.forEach((node, i) => {
      const last = i === nodes.length - 1;
      out.push(`${prefix}${last ? '└─ ' : '├─ '}${label(node.record)}`);
      walk(node.calls, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(calls, '');
  if (cut) out.push('… the tree has more calls than were read');
  return out;
}

/** One execution with every field: the header facts, arguments, result or traceback, console, and the calls it made. */
export function renderExecution(row: ExecutionRecord, palette: Palette, sourceOf?: SourceOf, tree?: { calls: readonly CallNode[]; cut: boolean }): string {
  const field = (label: string, value: string) => `${palette.paint('bold', `${label}:`.padEnd(11))} ${terminalSafe(value, { max: MAX_FIELD })}`;
  const block = (title: string, text: string) => [``, palette.paint('bold', `${title}:`), indent(terminalSafe(text, { multiline: true, max: MAX_BLOCK }))];
  const statusText = row.status === 'SUCCESS' ? palette.paint('green', 'SUCCESS') : palette.paint('red', `FAILURE (${terminalSafe(row.errorKind ?? 'internal', { max: 40 })})`);
  const out = [
    palette.paint('bold', `Execution ${terminalSafe(row.id, { max: MAX_FIELD })}`),
    field('Time', `${row.timestamp}`),
    field('Persona', row.persona),
    field('Tool', `${row.toolName}${row.version === null ? '' : ` (version ${row.version})`}`),
    field('Operation', row.operation),
    ...(row.parentExecutionId === undefined ? [] : [field('Called by', `${row.parentExecutionId} (root ${row.rootExecutionId ?? '-'})`)]),
    field('Hash', row.hash ?? '-'),
    `${palette.paint('bold', 'Status:'.padEnd(11))} ${statusText}`,
    field('Duration', `${formatDuration(row.durationMs)} (cpu ${formatDuration(row.cpuMs)}, heap ${formatBytes(row.heapUsedBytes)})`),
    ...(row.progressCalls === undefined ? [] : [field('Progress', `ctx.progress called ${row.progressCalls} time${row.progressCalls === 1 ? '' : 's'}`)]),
  ];
  out.push(...block('Arguments', prettyJson(row.argumentsJson)));
  if (row.status === 'SUCCESS') {
    out.push(...block('Result', row.resultSummary === null ? '(none)' : prettyJson(row.resultSummary)));
  } else {
    out.push(...block('Traceback', tracebackText(row, sourceOf)));
    if (row.frames !== null && row.frames.length > 0) {
      const frames = row.frames.map((f, i) => `#${i} ${f.function || '<anonymous>'} at ${f.file}:${f.line}:${f.column} (${f.package ?? `${f.tool}@${f.version}`})`);
      out.push(...block('Frames (innermost first)', frames.join('\n')));
    }
    if (row.rawStack !== null && row.rawStack !== '') out.push(...block('Raw stack', row.rawStack));
  }
  if (tree !== undefined && tree.calls.length > 0) out.push(...block('Calls of other tools (tree, with durations)', callTreeLines(row, tree.calls, tree.cut).join('\n')));
  if (row.effects !== null && row.effects.length > 0) out.push(...block('Effects (fetch, kv, ctx.mcp, tool calls; in order)', row.effects.map(effectLine).join('\n')));
  out.push(...block('Console output', row.consoleOutput === '' ? '(none)' : row.consoleOutput));
  return out.join('\n');
}

/**
 * One line per effect: what the call did outside itself. Key names, sizes and statuses only,
 * as the log holds them; renderExecution makes the lines terminal-safe (keys and paths are
 * guest-chosen).
 */
export function effectLine(effect: Effect): string {
  if (effect.op === 'omitted') return `… ${effect.count} more not kept in the log`;
  if (effect.op === 'fetch') {
    const outcome = effect.refused !== undefined ? `refused: ${effect.refused}` : effect.error !== undefined ? `error: ${effect.error}` : `${effect.status ?? '-'}, ${formatBytes(effect.bytes)}, ${formatDuration(effect.ms)}`;
    const redirects = effect.redirects ? ` (${effect.redirects} redirect${effect.redirects === 1 ? '' : 's'})` : '';
    return `fetch ${effect.method} ${effect.origin}${effect.path} -> ${outcome}${redirects}`;
  }
  if (effect.op === 'tools.call') {
    const callee = `tools.call ${effect.tool}${effect.version === undefined ? '' : `@${effect.version}`}`;
    if (effect.refused !== undefined) return `${callee} -> refused: ${effect.refused}`;
    const id = effect.executionId === undefined ? '' : ` ${shortId(effect.executionId)}`;
    if (effect.status === undefined) return `${callee} -> not ended when this call's row was written${id}`;
    return `${callee} -> ${effect.status}${effect.kind === undefined ? '' : ` (${effect.kind})`}, ${formatDuration(effect.ms ?? null)}${id}`;
  }
  if (effect.op === 'sql.query') {
    // A refused query never ran: it has no duration to show.
    if (effect.refused !== undefined) return `sql.query ${effect.datasource} -> refused: ${effect.refused}`;
    const outcome = effect.error !== undefined ? `error: ${effect.error}` : `${effect.rows} row${effect.rows === 1 ? '' : 's'}${effect.truncated ? ' (cut)' : ''}`;
    return `sql.query ${effect.datasource} -> ${outcome}, ${formatDuration(effect.ms)}`;
  }
  if ('server' in effect) {
    const target = `${effect.op} ${effect.server}${effect.tool === undefined ? '' : ` ${JSON.stringify(effect.tool)}`}`;
    return `${target} -> ${effect.refused !== undefined ? `refused: ${effect.refused}` : `${effect.status}, ${formatDuration(effect.ms)}`}`;
  }
  const target = `${effect.op} ${effect.namespace}${effect.key === undefined ? '' : ` ${JSON.stringify(effect.key)}`}${effect.prefix === undefined ? '' : ` prefix ${JSON.stringify(effect.prefix)}`}`;
  if (effect.refused !== undefined) return `${target} -> refused: ${effect.refused}`;
  switch (effect.op) {
    case 'kv.get':
      return `${target} -> ${effect.found ? `found, ${formatBytes(effect.bytes ?? null)}` : 'not found'}`;
    case 'kv.set':
      return `${target} -> ${formatBytes(effect.bytes ?? null)}`;
    case 'kv.delete':
      return `${target} -> ${effect.found ? 'deleted' : 'was absent'}`;
    case 'kv.list':
      return `${target} -> ${effect.count ?? 0} key${effect.count === 1 ? '' : 's'}`;
  }
}

/** Pretty JSON when the text parses (a cut summary does not), else the text itself. */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
