/**
 * Two versions' sources side by side, with the `diff` package (jsdiff) finding the changed
 * lines and highlight.js colouring both sides (each source highlighted whole, then cut into
 * lines, so a change inside a comment or a template string still looks right).
 */
import { diffLines } from 'diff';

import type { Language } from '../model.js';
import { highlightLines } from './highlight.js';
import { html, type SafeHtml } from './html.js';

interface Side {
  n: number;
  code: SafeHtml;
}

interface DiffRow {
  left: Side | null;
  right: Side | null;
  kind: 'same' | 'changed' | 'removed' | 'added';
}

const countLines = (value: string) => value.split('\n').length - (value.endsWith('\n') ? 1 : 0);

export function diffRows(before: string, after: string, language: Language): DiffRow[] {
  const left = highlightLines(before, language);
  const right = highlightLines(after, language);
  const rows: DiffRow[] = [];
  let a = 0;
  let b = 0;
  let removed: Side[] = [];
  const flushRemoved = (added: Side[]) => {
    const pairs = Math.max(removed.length, added.length);
    for (let i = 0; i < pairs; i++) {
      const l = removed[i] ?? null;
      const r = added[i] ?? null;
      rows.push({ left: l, right: r, kind: l && r ? 'changed' : l ? 'removed' : 'added' });
    }
    removed = [];
  };
  // A last line without its newline equals the same line with one: appending a line must not
  // show the line before it as changed.
  for (const change of diffLines(before, after, { ignoreNewlineAtEof: true })) {
    const count = change.count ?? countLines(change.value);
    if (change.removed) {
      for (let i = 0; i < count; i++, a++) removed.push({ n: a + 1, code: left[a]! });
    } else if (change.added) {
      const added: Side[] = [];
      for (let i = 0; i < count; i++, b++) added.push({ n: b + 1, code: right[b]! });
      flushRemoved(added);
    } else {
      flushRemoved([]);
      for (let i = 0; i < count; i++, a++, b++) rows.push({ left: { n: a + 1, code: left[a]! }, right: { n: b + 1, code: right[b]! }, kind: 'same' });
    }
  }
  flushRemoved([]);
  return rows;
}

export function diffTable(before: string, after: string, language: Language, labels: [string, string]): SafeHtml {
  const rows = diffRows(before, after, language);
  const side = (s: Side | null, cls: string) =>
    s ? html`<td class="ln">${s.n}</td><td class="src ${cls}"><code>${s.code}</code></td>` : html`<td class="ln"></td><td class="src empty"></td>`;
  return html`<table class="diff hljs" id="diff">
<thead><tr><th colspan="2">${labels[0]}</th><th colspan="2">${labels[1]}</th></tr></thead>
<tbody>${rows.map(
    (r) => html`<tr class="${r.kind}">${side(r.left, r.kind === 'same' ? '' : 'del')}${side(r.right, r.kind === 'same' ? '' : 'add')}</tr>`,
  )}</tbody></table>`;
}
