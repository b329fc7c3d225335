/**
 * The one way the console writes HTML: the `html` tagged template escapes every interpolated
 * value, unless it is already SafeHtml (made by `html` itself, or by `raw` for text that was
 * escaped elsewhere: highlight.js's output, which escapes the source it highlights). Tool
 * names, sources, arguments, console output and error messages are written by untrusted agents
 * and code; nothing reaches a page without passing through escapeHtml.
 */

export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes the five characters that matter in text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Marks text as HTML already escaped. Only for the output of escapeHtml-equivalent producers. */
export function raw(text: string): SafeHtml {
  return new SafeHtml(text);
}

/** An interpolated value: SafeHtml as is, arrays item by item, null/undefined/false as nothing, the rest escaped. */
function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // Not meant to happen (pages interpolate text and numbers); an object shows as its JSON, escaped.
  return escapeHtml(JSON.stringify(value) ?? '');
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** A link target inside the console: the path's segments and every query value percent-encoded. */
export function href(base: string, segments: readonly (string | number)[], query: Record<string, string | number | undefined | null> = {}): string {
  const path = [base, ...segments.map((s) => encodeURIComponent(String(s)))].join('/');
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}
