/**
 * The executions page's filters, read from the query string. A value that does not parse is
 * dropped and named in `problems` (shown above the table), never passed on or silently changed.
 */
import type { ExecutionStatus, FailureKind } from '../model.js';
import { parseSince, SINCE_FORMS } from '../service/since.js';
import type { ExecutionCursor, ExecutionFilter } from '../store/console-queries.js';

export const FAILURE_KINDS: readonly FailureKind[] = ['compile', 'exception', 'timeout', 'memory', 'invalid_arguments', 'invalid_result', 'internal', 'overloaded'];

/** The form's fields as given (valid ones only), to fill the form again and to build links. */
export interface FilterFields {
  tool?: string;
  status?: ExecutionStatus;
  kind?: string;
  version?: string;
  since?: string;
  until?: string;
  q?: string;
  nested?: '1';
  persona?: string;
}

export interface ParsedFilters {
  filter: Omit<ExecutionFilter, 'personas'>;
  fields: FilterFields;
  cursor?: ExecutionCursor;
  problems: string[];
}

const MAX_TEXT = 200;

export function parseFilters(query: URLSearchParams, nowMs: number): ParsedFilters {
  const filter: Omit<ExecutionFilter, 'personas'> = {};
  const fields: FilterFields = {};
  const problems: string[] = [];
  const get = (name: string) => {
    const value = query.get(name)?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const tool = get('tool');
  if (tool !== undefined) {
    if (tool.length > 64) problems.push('tool: a tool name has at most 64 characters.');
    else filter.tool = fields.tool = tool;
  }
  const status = get('status')?.toUpperCase();
  if (status !== undefined) {
    if (status === 'SUCCESS' || status === 'FAILURE') filter.status = fields.status = status;
    else problems.push('status: use SUCCESS or FAILURE.');
  }
  const kind = get('kind');
  if (kind !== undefined) {
    if ((FAILURE_KINDS as readonly string[]).includes(kind)) filter.kind = fields.kind = kind;
    else problems.push(`kind: use one of ${FAILURE_KINDS.join(', ')}.`);
  }
  const version = get('version');
  if (version !== undefined) {
    const n = Number(version);
    if (Number.isSafeInteger(n) && n >= 1) {
      filter.version = n;
      fields.version = version;
    } else problems.push('version: use a whole number from 1 up.');
  }
  for (const name of ['since', 'until'] as const) {
    const value = get(name);
    if (value === undefined) continue;
    const at = value.length <= 64 ? parseSince(value, nowMs) : null;
    if (at === null) problems.push(`${name}: use ${SINCE_FORMS}.`);
    else {
      filter[name] = at;
      fields[name] = value;
    }
  }
  const q = get('q');
  if (q !== undefined) {
    if (q.length > MAX_TEXT) problems.push(`q: search for at most ${MAX_TEXT} characters.`);
    else filter.text = fields.q = q;
  }
  if (get('nested') === '1') {
    filter.includeNested = true;
    fields.nested = '1';
  }
  const persona = get('persona');
  if (persona !== undefined) fields.persona = persona;
  const cursor = parseCursor(get('before'));
  return { filter, fields, ...(cursor ? { cursor } : {}), problems };
}

/** `before=<timestamp>~<seq>`: the last row of the page before. */
export function parseCursor(text: string | undefined): ExecutionCursor | undefined {
  if (text === undefined) return undefined;
  const at = text.lastIndexOf('~');
  const seq = Number(text.slice(at + 1));
  const timestamp = text.slice(0, at);
  if (at <= 0 || !Number.isSafeInteger(seq) || seq < 0 || Number.isNaN(Date.parse(timestamp))) return undefined;
  return { timestamp, seq };
}

export const formatCursor = (cursor: ExecutionCursor): string => `${cursor.timestamp}~${cursor.seq}`;
