/** A highlighted source, whole or a window around one line, the failing line and column marked. */
import type { Language } from '../../model.js';
import { highlightLines, markColumn } from '../highlight.js';
import { html, type SafeHtml } from '../html.js';

export interface SourceMark {
  line: number;
  column: number;
}

/** Lines `mark.line ± context` (all of them without a mark), numbered, highlighted. */
export function sourceView(source: string, language: Language, mark?: SourceMark, context = 6): SafeHtml {
  const lines = highlightLines(source, language);
  const first = mark ? Math.max(1, mark.line - context) : 1;
  const last = mark ? Math.min(lines.length, mark.line + context) : lines.length;
  const rows: SafeHtml[] = [];
  for (let n = first; n <= last; n++) {
    const line = lines[n - 1]!;
    const failing = mark !== undefined && n === mark.line;
    rows.push(
      html`<tr${failing ? html` class="line-fail" id="failing-line"` : ''}><td class="ln">${n}</td><td class="src"><code>${failing ? markColumn(line, mark.column) : line}</code></td></tr>`,
    );
  }
  return html`<table class="code hljs">${rows}</table>`;
}
