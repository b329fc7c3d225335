/** Tools: every live tool with its active version, its calls and failure rate over the last 24 h, its last failure and capabilities. */
import type { Capabilities } from '../../model.js';
import { personasFor, scopeLabel, showsPersonas, type ConsoleContext } from '../context.js';
import { cut, percent, shortTime } from '../format.js';
import { href, html, type SafeHtml } from '../html.js';
import { sparkline } from '../svg.js';
import { bucketKeys, windowStart } from '../time-buckets.js';
import { layout } from './layout.js';

export function toolsPage(ctx: ConsoleContext, query: URLSearchParams): SafeHtml {
  const { base, store } = ctx;
  const personas = personasFor(ctx, query);
  const tools = store.console.tools(personas);
  const now = ctx.now();
  const hours = bucketKeys(now, 24, 'hour');
  const counts = new Map<string, Map<string, { calls: number; failures: number }>>();
  for (const b of store.console.buckets(personas, windowStart(now, 24, 'hour'), 'hour')) {
    const key = `${b.persona}\u0000${b.tool}`;
    let byHour = counts.get(key);
    if (!byHour) counts.set(key, (byHour = new Map<string, { calls: number; failures: number }>()));
    byHour.set(b.bucket, { calls: b.calls, failures: b.failures });
  }
  const lastFailures = store.console.bySeq(tools.flatMap((t) => (t.lastFailureSeq === null ? [] : [t.lastFailureSeq])));
  const showPersona = showsPersonas(ctx.scope);

  const rows = tools.map((t) => {
    const byHour = counts.get(`${t.persona}\u0000${t.name}`) ?? new Map<string, { calls: number; failures: number }>();
    const bars = hours.map((h) => ({ label: `${h.replace('T', ' ')}:00`, ...(byHour.get(h) ?? { calls: 0, failures: 0 }) }));
    const calls = bars.reduce((s, b) => s + b.calls, 0);
    const failures = bars.reduce((s, b) => s + b.failures, 0);
    const last = t.lastFailureSeq === null ? undefined : lastFailures.get(t.lastFailureSeq);
    const link = href(base, ['tools', t.name], showPersona ? { persona: t.persona } : {});
    return html`<tr data-tool="${t.name}">
${showPersona ? html`<td>${t.persona}</td>` : ''}
<td class="tool"><a href="${link}">${t.name}</a><div class="description">${cut(t.description, 120)}</div></td>
<td>${t.kind === 'library' ? 'library' : t.language}</td>
<td class="num">v${t.activeVersion}</td>
<td class="num">${calls}</td>
<td class="num">${percent(failures, calls)}</td>
<td>${sparkline(bars)}</td>
<td class="error">${last ? html`<a href="${href(base, ['executions', last.id])}">${shortTime(last.timestamp)}</a> ${cut(`${last.errorName ?? ''}: ${last.errorMessage ?? ''}`, 90)}` : ''}</td>
<td>${capabilities(t.capabilities)}</td>
</tr>`;
  });
  const body = html`<h1>Tools</h1>
${tools.length === 0 ? html`<p class="empty">No tools yet.</p>` : html`<table class="tools" id="tools">
<thead><tr>${showPersona ? html`<th>Persona</th>` : ''}<th>Tool</th><th>Kind</th><th>Active</th><th>Calls 24 h</th><th>Failed</th><th>Per hour</th><th>Last failure</th><th>Capabilities</th></tr></thead>
<tbody>${rows}</tbody></table>`}`;
  return layout({ base, title: 'Tools', section: 'tools', scope: scopeLabel(ctx.scope) }, body);
}

export function capabilities(c: Capabilities): SafeHtml {
  const parts: SafeHtml[] = [];
  const list = (name: string, values: readonly string[] | undefined) => {
    if (values && values.length > 0) parts.push(html`<span class="cap"><b>${name}</b> ${values.join(', ')}</span>`);
  };
  list('fetch', c.fetch);
  list('secrets', c.secrets);
  list('mcp', c.mcp);
  list('tools', c.tools);
  list('sql', c.sql);
  if (c.kv === 'persona') parts.push(html`<span class="cap"><b>kv</b> persona</span>`);
  return parts.length === 0 ? html`<span class="note">none</span>` : html`${parts}`;
}
