/**
 * Syntax highlighting on the server, with highlight.js (core plus the three languages tools are
 * written in). Its output escapes the source (&, <, >, ", '), so it may be marked raw; then it
 * is cut into lines whose open spans are closed and reopened, so that a line can be shown, or
 * marked, on its own, even in the middle of a multi-line comment or template string.
 */
import hljs from 'highlight.js/lib/core';
import javascript from 'highlight.js/lib/languages/javascript';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';

import type { Language } from '../model.js';
import { escapeHtml, raw, type SafeHtml } from './html.js';

hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('typescript', typescript);
hljs.registerLanguage('sql', sql);

/** Sources larger than this are shown escaped but not highlighted: highlighting is ~linear but not free. */
export const MAX_HIGHLIGHT_CHARS = 256 * 1024;

/** Each line of `source` as HTML (without its line break). */
export function highlightLines(source: string, language: Language): SafeHtml[] {
  const lines = source.split(/\r\n|\n|\r/);
  if (source.length > MAX_HIGHLIGHT_CHARS) return lines.map((l) => raw(escapeHtml(l)));
  let highlighted: string;
  try {
    highlighted = hljs.highlight(source.replace(/\r\n?/g, '\n'), { language, ignoreIllegals: true }).value;
  } catch {
    return lines.map((l) => raw(escapeHtml(l)));
  }
  return splitLines(highlighted).map(raw);
}

const TOKEN = /<span[^>]*>|<\/span>|\n|[^<\n]+/g;

/** Cuts highlighted HTML at its line breaks, closing the spans open at each break and reopening them after. */
export function splitLines(htmlText: string): string[] {
  const lines: string[] = [];
  const open: string[] = [];
  let line = '';
  for (const [token] of htmlText.matchAll(TOKEN)) {
    if (token === '\n') {
      lines.push(line + '</span>'.repeat(open.length));
      line = open.join('');
    } else {
      if (token.startsWith('<span')) open.push(token);
      else if (token === '</span>') open.pop();
      line += token;
    }
  }
  lines.push(line);
  return lines;
}

const ENTITY_OR_CHAR = /&[a-z#0-9]+;|[\s\S]/gi;

/**
 * Wraps the character at `column1` (1-based, in characters of the source) of a highlighted
 * line in `<span class="col-mark">`; past the end, a marked space is appended.
 */
export function markColumn(line: SafeHtml, column1: number): SafeHtml {
  let seen = 0;
  let out = '';
  let marked = false;
  for (const [token] of line.text.matchAll(TOKEN)) {
    if (marked || token.startsWith('<')) {
      out += token;
      continue;
    }
    for (const [char] of token.matchAll(ENTITY_OR_CHAR)) {
      seen++;
      if (!marked && seen === column1) {
        out += `<span class="col-mark">${char}</span>`;
        marked = true;
      } else out += char;
    }
  }
  if (!marked) out += '<span class="col-mark"> </span>';
  return raw(out);
}
