/** Failures: the failures of a window grouped by cause (failure-groups.ts), with counts, first and last seen, versions affected. */
import { personasFor, scopeLabel, showsPersonas, type ConsoleContext } from '../context.js';
import { groupFailures } from '../failure-groups.js';
import { cut, shortTime } from '../format.js';
import { href, html, type SafeHtml } from '../html.js';
import { layout } from './layout.js';

/** Failures read at most: the newest ones of the window. */
export const MAX_FAILURES_READ = 5_000;
const WINDOWS = { '24h': 24 * 3_600_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;

export function failuresPage(ctx: ConsoleContext, query: URLSearchParams): SafeHtml {
  const { base } = ctx;
  const windowName = (query.get('window') ?? '7d') in WINDOWS ? ((query.get('window') ?? '7d') as keyof typeof WINDOWS) : '7d';
  const since = new Date(ctx.now() - WINDOWS[windowName]).toISOString();
  const personas = personasFor(ctx, query);
  const { rows, next } = ctx.store.console.page({ personas, status: 'FAILURE', since, includeNested: true }, MAX_FAILURES_READ);
  const groups = groupFailures(rows.map((r) => r.record));
  const showPersona = showsPersonas(ctx.scope);
  const windows = (Object.keys(WINDOWS) as (keyof typeof WINDOWS)[]).map((w) =>
    w === windowName ? html`<strong>${w}</strong>` : html`<a href="${href(base, ['failures'], { window: w, persona: query.get('persona') })}">${w}</a>`,
  );
  const body = html`<h1>Failures</h1>
<p>Last ${windows.map((w, i) => html`${i > 0 ? ' · ' : ''}${w}`)}: ${rows.length}${next ? '+' : ''} failures in ${groups.length} groups (same tool, kind, error and top frame).${next ? ` Only the newest ${MAX_FAILURES_READ} were read.` : ''}</p>
${groups.length === 0 ? html`<p class="empty">No failures in this window.</p>` : html`<table class="failures" id="failure-groups">
<thead><tr>${showPersona ? html`<th>Persona</th>` : ''}<th>Tool</th><th>Kind</th><th>Error</th><th>Top frame</th><th>Count</th><th>First seen</th><th>Last seen</th><th>Versions</th></tr></thead>
<tbody>${groups.map(
    (g) => html`<tr>
${showPersona ? html`<td>${g.persona}</td>` : ''}
<td><a href="${href(base, ['tools', g.tool], showPersona ? { persona: g.persona } : {})}">${g.tool}</a></td>
<td>${g.kind}</td>
<td class="error"><a href="${href(base, ['executions', g.latestId])}">${g.name}</a>: ${cut(g.message, 140)}</td>
<td><code>${g.topFrame ?? '—'}</code></td>
<td class="num">${g.count}</td>
<td>${shortTime(g.firstSeen)}</td>
<td>${shortTime(g.lastSeen)}</td>
<td>${g.versions.map((v) => `v${v}`).join(', ')}</td>
</tr>`,
  )}</tbody></table>`}`;
  return layout({ base, title: 'Failures', section: 'failures', scope: scopeLabel(ctx.scope) }, body);
}
