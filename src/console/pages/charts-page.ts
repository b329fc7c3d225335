/** Charts: calls and failures over time (24 h by hour, or 30 days by day), latency percentiles per tool. */
import { personasFor, scopeLabel, showsPersonas, type ConsoleContext } from '../context.js';
import { ms } from '../format.js';
import { href, html, type SafeHtml } from '../html.js';
import { barChart, latencyChart } from '../svg.js';
import { bucketKeys, windowStart } from '../time-buckets.js';
import { layout } from './layout.js';

export function chartsPage(ctx: ConsoleContext, query: URLSearchParams): SafeHtml {
  const { base, store } = ctx;
  const days = query.get('range') === '30d';
  const size = days ? 'day' : 'hour';
  const count = days ? 30 : 24;
  const now = ctx.now();
  const since = windowStart(now, count, size);
  const personas = personasFor(ctx, query);
  const totals = new Map<string, { calls: number; failures: number }>();
  for (const b of store.console.buckets(personas, since, size)) {
    const t = totals.get(b.bucket) ?? { calls: 0, failures: 0 };
    t.calls += b.calls;
    t.failures += b.failures;
    totals.set(b.bucket, t);
  }
  const bars = bucketKeys(now, count, size).map((k) => ({ label: days ? k.slice(5) : `${k.slice(11)}:00`, ...(totals.get(k) ?? { calls: 0, failures: 0 }) }));
  const latency = store.console.latency(personas, since);
  const showPersona = showsPersonas(ctx.scope);
  const label = (l: { persona: string; tool: string }) => (showPersona ? `${l.persona}/${l.tool}` : l.tool);
  const body = html`<h1>Charts</h1>
<p>${days ? html`<a href="${href(base, ['charts'], { persona: query.get('persona') })}">Last 24 hours</a> · <strong>Last 30 days</strong>` : html`<strong>Last 24 hours</strong> · <a href="${href(base, ['charts'], { range: '30d', persona: query.get('persona') })}">Last 30 days</a>`} (UTC)</p>
<h2>Calls and failures</h2>
<div id="calls-chart">${barChart(bars)}</div>
<p class="legend"><span class="swatch calls"></span> calls <span class="swatch failures"></span> failed</p>
<h2>Latency per tool</h2>
${latency.length === 0 ? html`<p class="empty">No calls in this window.</p>` : html`<div id="latency-chart">${latencyChart(latency.map((l) => ({ label: label(l), p50: l.p50, p90: l.p90, p99: l.p99 })), ms)}</div>
<p class="legend"><span class="swatch p50"></span> p50 <span class="swatch p90"></span> p90 <span class="swatch p99"></span> p99</p>
<table class="latency" id="latency"><thead><tr><th>Tool</th><th>Calls</th><th>p50</th><th>p90</th><th>p99</th><th>Max</th></tr></thead>
<tbody>${latency.map((l) => html`<tr><td>${label(l)}</td><td class="num">${l.calls}</td><td class="num">${ms(l.p50)}</td><td class="num">${ms(l.p90)}</td><td class="num">${ms(l.p99)}</td><td class="num">${ms(l.max)}</td></tr>`)}</tbody></table>`}`;
  return layout({ base, title: 'Charts', section: 'charts', scope: scopeLabel(ctx.scope) }, body);
}
