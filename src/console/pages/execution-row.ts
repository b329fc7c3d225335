/** One row of the executions table: the page renders them, and the live stream sends new ones. */
import type { LoggedExecution } from '../../store/console-queries.js';
import { cut, ms, shortTime } from '../format.js';
import { href, html, type SafeHtml } from '../html.js';

export function executionRow(base: string, { seq, record: r }: LoggedExecution, showPersona: boolean): SafeHtml {
  const failed = r.status === 'FAILURE';
  const error = failed ? `${r.errorName ?? ''}${r.errorMessage ? `: ${r.errorMessage}` : ''}` : '';
  const link = href(base, ['executions', r.id]);
  return html`<tr data-seq="${seq}" class="${failed ? 'failure' : 'success'}">
<td class="time"><a href="${link}">${shortTime(r.timestamp)}</a></td>
${showPersona ? html`<td>${r.persona}</td>` : ''}
<td class="tool">${r.parentExecutionId ? html`<span class="nested" title="called by another tool">↳</span> ` : ''}<a href="${href(base, ['tools', r.toolName], showPersona ? { persona: r.persona } : {})}">${r.toolName}</a></td>
<td class="num">${r.version ?? '—'}</td>
<td>${r.operation === 'call' ? '' : html`<span class="op">${r.operation}</span> `}<span class="status ${failed ? 'bad' : 'ok'}">${r.status}</span></td>
<td>${r.errorKind ?? ''}</td>
<td class="error" title="${cut(error, 1000)}">${cut(error, 140)}</td>
<td class="num">${ms(r.durationMs)}</td>
<td class="id"><a href="${link}">${r.id.slice(0, 11)}</a></td>
</tr>`;
}

export function executionTableHead(showPersona: boolean): SafeHtml {
  return html`<thead><tr><th>Started (UTC)</th>${showPersona ? html`<th>Persona</th>` : ''}<th>Tool</th><th>Version</th><th>Status</th><th>Kind</th><th>Error</th><th>Duration</th><th>Id</th></tr></thead>`;
}
