/**
 * Executions: the log as a filterable table, newest first, a page at a time (keyset pagination
 * on (timestamp, seq), so a page costs the same however deep it is). The first page listens for
 * new rows (live.ts) and the script inserts them at the top.
 */
import { personasFor, scopeLabel, showsPersonas, type ConsoleContext } from '../context.js';
import { FAILURE_KINDS, formatCursor, parseFilters, type FilterFields } from '../filters.js';
import { href, html, type SafeHtml } from '../html.js';
import { executionRow, executionTableHead } from './execution-row.js';
import { layout } from './layout.js';

export const PAGE_SIZE = 50;

export function executionsPage(ctx: ConsoleContext, query: URLSearchParams): SafeHtml {
  const { base } = ctx;
  const parsed = parseFilters(query, ctx.now());
  const personas = personasFor(ctx, query);
  const filter = { ...parsed.filter, personas };
  const { rows, next } = ctx.store.console.page(filter, PAGE_SIZE, parsed.cursor);
  const showPersona = showsPersonas(ctx.scope);
  const fields = parsed.fields as Record<string, string | undefined>;
  const live = parsed.cursor === undefined;
  const newest = ctx.store.console.newestSeq();
  const events = href(base, ['events'], { ...fields, after: newest });

  const body = html`<h1>Executions</h1>
${filterForm(base, parsed.fields, showPersona ? personas : null, ctx)}
${parsed.problems.length > 0 ? html`<ul class="problems">${parsed.problems.map((p) => html`<li>${p}</li>`)}</ul>` : ''}
<p class="live-status" id="live-status">${live ? 'Live: new calls appear at the top.' : html`Older calls. <a href="${href(base, ['executions'], fields)}">Back to the newest</a>`}</p>
<table class="executions">
${executionTableHead(showPersona)}
<tbody id="execution-rows"${live ? html` data-events="${events}"` : ''}>
${rows.map((row) => executionRow(base, row, showPersona))}
</tbody>
</table>
${rows.length === 0 ? html`<p class="empty" id="no-executions">No executions match.</p>` : ''}
<nav class="pager">${next ? html`<a rel="next" href="${href(base, ['executions'], { ...fields, before: formatCursor(next) })}">Older →</a>` : ''}</nav>`;
  return layout({ base, title: 'Executions', section: 'executions', scope: scopeLabel(ctx.scope) }, body);
}

function filterForm(base: string, f: FilterFields, personas: string[] | null, ctx: ConsoleContext): SafeHtml {
  const option = (value: string, label: string, selected: string | undefined) => html`<option value="${value}"${selected === value ? html` selected` : ''}>${label}</option>`;
  const allPersonas = personas === null ? [] : ctx.store.console.personas();
  return html`<form class="filters" method="get" action="${base}/executions">
<label>Tool <input name="tool" value="${f.tool ?? ''}" size="16" maxlength="64"></label>
<label>Status <select name="status">${option('', 'any', f.status ?? '')}${option('SUCCESS', 'SUCCESS', f.status)}${option('FAILURE', 'FAILURE', f.status)}</select></label>
<label>Kind <select name="kind">${option('', 'any', f.kind ?? '')}${FAILURE_KINDS.map((k) => option(k, k, f.kind))}</select></label>
<label>Version <input name="version" value="${f.version ?? ''}" size="4" inputmode="numeric"></label>
<label>Since <input name="since" value="${f.since ?? ''}" size="14" placeholder="15m, 2h, ISO"></label>
<label>Until <input name="until" value="${f.until ?? ''}" size="14" placeholder="ISO time"></label>
<label>Error text <input name="q" value="${f.q ?? ''}" size="18" maxlength="200"></label>
<label><input type="checkbox" name="nested" value="1"${f.nested ? html` checked` : ''}> nested calls</label>
${personas === null ? '' : html`<label>Persona <select name="persona">${option('', 'all', f.persona ?? '')}${allPersonas.map((p) => option(p, p, f.persona))}</select></label>`}
<button type="submit">Filter</button> <a href="${base}/executions">Clear</a>
</form>`;
}
