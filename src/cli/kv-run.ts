/**
 * What `chameleon kv list|get` do (declared in kv.ts, loaded when one runs).
 *
 * Reads the Store directly (see store-access.ts): no sandbox processes, safe next to a live
 * server. Keys and values are guest-written: every one is made terminal-safe before printing.
 */
import { kvNamespace } from '../capabilities/kv/namespace.js';
import { AppError } from '../errors.js';
import { NAME_PATTERN } from '../model.js';
import type { KvListedEntry, KvUsage } from '../store/index.js';
import { terminalSafe } from '../terminal-text.js';
import type { KvListOptions, KvOptions } from './kv.js';
import { formatBytes, shortId, shortTime } from './log-view.js';
import type { Runtime } from './runtime.js';
import { withStore } from './store-access.js';
import { createPalette, renderTable, terminalColumns, wantsColour } from './table.js';

export async function listKv(opts: KvListOptions, runtime: Runtime): Promise<number> {
  const palette = createPalette(wantsColour(runtime.stdout, runtime.env));
  const width = terminalColumns(runtime.stdout);
  const namespace = namespaceOf(opts);
  return withStore(opts, runtime, true, async ({ store, persona }) => {
    if (namespace === null) {
      const namespaces = await store.kv.namespaces(persona);
      if (namespaces.length === 0) runtime.stderr.write(`Persona ${persona} has no kv entries.\n`);
      else runtime.stdout.write(`${renderTable(NAMESPACE_COLUMNS, namespaces, { palette, ...(width === undefined ? {} : { width }) })}\n`);
      return 0;
    }
    const entries = await store.kv.list(persona, namespace, { limit: opts.limit + 1, ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }), ...(opts.after === undefined ? {} : { after: opts.after }) });
    const shown = entries.slice(0, opts.limit);
    if (shown.length === 0) {
      runtime.stderr.write(`No keys in ${namespace}${opts.prefix === undefined ? '' : ` starting with ${terminalSafe(JSON.stringify(opts.prefix), { max: 80 })}`} for persona ${persona}.\n`);
      return 0;
    }
    runtime.stdout.write(`${renderTable(ENTRY_COLUMNS, shown, { palette, ...(width === undefined ? {} : { width }) })}\n`);
    if (entries.length > opts.limit) {
      const last = shown[shown.length - 1]!.key;
      runtime.stderr.write(`More keys follow: pass --after ${terminalSafe(shellQuote(last), { max: 600 })} for the next page.\n`);
    }
    return 0;
  });
}

export async function getKv(key: string, opts: KvOptions, runtime: Runtime): Promise<number> {
  const namespace = namespaceOf(opts);
  if (namespace === null) throw new AppError('INVALID_ARGUMENT', 'Say which namespace: --tool NAME for a tool\'s own, or --shared for the persona\'s. `chameleon kv list` shows those that hold anything.');
  return withStore(opts, runtime, true, async ({ store, persona }) => {
    const entry = await store.kv.get(persona, namespace, key);
    if (entry === undefined) {
      runtime.stderr.write(`No key ${terminalSafe(JSON.stringify(key), { max: 600 })} in ${namespace} for persona ${persona}. Run \`chameleon kv list ${opts.shared ? '--shared' : `--tool ${opts.tool ?? ''}`}\` to see its keys.\n`);
      return 1;
    }
    runtime.stdout.write(`${terminalSafeJson(entry.valueJson)}\n`);
    return 0;
  });
}

/** The namespace --tool/--shared name, or null for neither. */
function namespaceOf(opts: KvOptions): string | null {
  if (opts.shared === true) return kvNamespace('', true);
  if (opts.tool === undefined) return null;
  if (!NAME_PATTERN.test(opts.tool)) {
    throw new AppError('INVALID_ARGUMENT', `Invalid tool name ${terminalSafe(JSON.stringify(opts.tool), { max: 80 })}: use lowercase letters, digits and underscores, starting with a letter.`);
  }
  return kvNamespace(opts.tool, false);
}

// Characters a terminal acts on, or that reorder text on screen, which JSON.stringify leaves
// as they are (it escapes only U+0000-U+001F): C1 controls, DEL, bidi controls and marks, and
// the line/paragraph separators. Outside strings JSON has none of them, so escaping them
// gives the same JSON.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The value pretty-printed, with every character a terminal would obey written as a \u escape. */
export function terminalSafeJson(valueJson: string): string {
  let pretty: string;
  try {
    pretty = JSON.stringify(JSON.parse(valueJson), null, 2);
  } catch {
    return terminalSafe(valueJson, { multiline: true }); // not JSON (a damaged row): shown as safe text
  }
  return pretty.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

const NAMESPACE_COLUMNS = [
  { header: 'NAMESPACE', value: (r: KvUsage & { namespace: string }) => r.namespace, max: 70 },
  { header: 'KEYS', value: (r: KvUsage) => String(r.keys), align: 'right' as const },
  { header: 'BYTES', value: (r: KvUsage) => formatBytes(r.bytes), align: 'right' as const },
];

const ENTRY_COLUMNS = [
  { header: 'KEY', value: (r: KvListedEntry) => JSON.stringify(r.key), max: 80 },
  { header: 'BYTES', value: (r: KvListedEntry) => formatBytes(r.bytes), align: 'right' as const },
  { header: 'UPDATED (UTC)', value: (r: KvListedEntry) => shortTime(r.updatedAt), max: 23 },
  { header: 'BY CALL', value: (r: KvListedEntry) => shortId(r.executionId), max: 11 },
];
