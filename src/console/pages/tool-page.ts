/**
 * Tool: its versions with their origin and their calls and failures, the source of one of them,
 * and any two of them side by side (`?from=1&to=3`; by default the shown version and the one before it).
 */
import type { GateReport, VersionRecord } from '../../model.js';
import { scopeLabel, showsPersonas, type ConsoleContext } from '../context.js';
import { diffTable } from '../diff-view.js';
import { percent, shortTime } from '../format.js';
import { href, html, type SafeHtml } from '../html.js';
import { layout } from './layout.js';
import { sourceView } from './source-view.js';
import { capabilities } from './tools-page.js';

export function toolPage(ctx: ConsoleContext, name: string, query: URLSearchParams): SafeHtml | null {
  const { base, store } = ctx;
  const persona = 'persona' in ctx.scope ? ctx.scope.persona : (query.get('persona') ?? store.console.personas()[0]);
  if (persona === undefined || name.length > 64) return null;
  const versions = store.tools.listVersions(persona, name);
  const tool = store.tools.get(persona, name);
  const active = tool?.activeVersion ?? null;
  const numbers = versions.map((v) => v.version);
  const pick = (key: string, fallback: number | undefined) => {
    const n = Number(query.get(key));
    return numbers.includes(n) ? n : fallback;
  };
  const shown = pick('version', active ?? numbers[numbers.length - 1])!;
  const to = pick('to', shown)!;
  const from = pick('from', numbers.filter((v) => v < to).pop() ?? to)!;
  const stats = new Map(store.console.versionStats(persona, name).map((s) => [s.version, s]));
  const personaQuery = showsPersonas(ctx.scope) ? { persona } : {};
  const link = (extra: Record<string, number>) => href(base, ['tools', name], { ...personaQuery, ...extra });
  const version = store.tools.getVersion(persona, name, shown);

  const rows = [...versions].reverse().map((v) => {
    const s = stats.get(v.version);
    const origin = v.origin.kind === 'rollback' ? `rollback to v${v.origin.fromVersion}` : v.origin.kind;
    return html`<tr${v.version === active ? html` class="active"` : ''}>
<td class="num"><a href="${link({ version: v.version })}">v${v.version}</a>${v.version === active ? html` <span class="badge">active</span>` : ''}</td>
<td>${origin}</td><td>${gateCell(v.gate, v.forced)}</td><td>${shortTime(v.createdAt)}</td><td><code>${v.hash.slice(0, 12)}</code></td>
<td class="num">${s?.calls ?? 0}</td><td class="num">${s?.failures ?? 0}</td><td class="num">${percent(s?.failures ?? 0, s?.calls ?? 0)}</td>
<td><a href="${href(base, ['executions'], { ...personaQuery, tool: name, version: v.version })}">calls</a> · <a href="${href(base, ['executions'], { ...personaQuery, tool: name, version: v.version, status: 'FAILURE' })}">failures</a></td>
</tr>`;
  });
  const options = (selected: number) => [...numbers].reverse().map((n) => html`<option value="${n}"${n === selected ? html` selected` : ''}>v${n}</option>`);
  const body = html`<h1>Tool <span id="tool-name">${name}</span>${tool ? '' : html` <span class="badge bad">deleted</span>`}</h1>
<p class="description">${version.description}</p>
<dl class="facts">
${showsPersonas(ctx.scope) ? html`<dt>Persona</dt><dd>${persona}</dd>` : ''}
<dt>Kind</dt><dd>${version.kind === 'library' ? 'library' : version.language}${version.datasource ? html` on ${version.datasource}` : ''}</dd>
<dt>Limits</dt><dd>${version.limits.timeoutMs} ms, ${version.limits.memoryMb} MB</dd>
<dt>Capabilities</dt><dd>${capabilities(version.capabilities)}</dd>
</dl>
<h2>Versions</h2>
<table class="versions" id="versions"><thead><tr><th>Version</th><th>Origin</th><th>Gate</th><th>Created (UTC)</th><th>Hash</th><th>Calls</th><th>Failures</th><th>Failed</th><th>Log</th></tr></thead><tbody>${rows}</tbody></table>
${numbers.length > 1 ? html`<h2>Compare versions</h2>
<form method="get" action="${href(base, ['tools', name])}" class="compare">
${showsPersonas(ctx.scope) ? html`<input type="hidden" name="persona" value="${persona}">` : ''}
<input type="hidden" name="version" value="${shown}">
<label>From <select name="from">${options(from)}</select></label>
<label>To <select name="to">${options(to)}</select></label>
<button type="submit">Compare</button>
</form>
${diffSection(ctx, persona, name, from, to)}` : ''}
<h2>Source of v${shown}</h2>
<div id="source">${sourceView(version.source, version.language)}</div>`;
  return layout({ base, title: `Tool ${name}`, section: 'tools', scope: scopeLabel(ctx.scope) }, body);
}

/** What the regression gate (issue 17) said of a version: nothing, passed, refused (kept inactive) or forced past it. */
function gateCell(gate: GateReport | null, forced: boolean): SafeHtml {
  if (gate === null) return html``;
  const cases = `${gate.cases.length} case${gate.cases.length === 1 ? '' : 's'}`;
  if (gate.passed) return html`<span class="status ok">passed</span> <span class="note">${cases}</span>`;
  const reasons = gate.cases.filter((c) => c.status === 'failed' || c.status === 'not_run').map((c) => html`<li>${c.name ?? c.source}: ${c.reason ?? c.status}</li>`);
  return html`<details><summary><span class="status bad">${forced ? 'forced' : 'refused'}</span> <span class="note">${gate.failing} of ${cases} failed</span></summary><ul>${reasons}</ul></details>`;
}

function diffSection(ctx: ConsoleContext, persona: string, name: string, from: number, to: number): SafeHtml {
  let before: VersionRecord;
  let after: VersionRecord;
  try {
    before = ctx.store.tools.getVersion(persona, name, from);
    after = ctx.store.tools.getVersion(persona, name, to);
  } catch (err) {
    return html`<p class="problems">Cannot compare: ${err instanceof Error ? err.message : String(err)}</p>`;
  }
  if (before.source === after.source) return html`<p class="note" id="diff">v${from} and v${to} have the same source.</p>`;
  return diffTable(before.source, after.source, after.language, [`v${from}`, `v${to}`]);
}
