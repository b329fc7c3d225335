/**
 * Execution: one call in full. The failure's frames, and the source of the version that failed
 * with the failing line and column marked (the frames are already in the agent's own lines);
 * arguments, result, console output, what the call did outside itself, and the calls it made.
 */
import type { ExecutionRecord, Frame } from '../../model.js';
import { callsIn, MAX_TREE_ROWS, treeRootOf, type CallNode } from '../../service/call-trace.js';
import { scopeLabel, showsPersonas, type ConsoleContext } from '../context.js';
import { bytes, cut, ms, prettyJson, shortTime } from '../format.js';
import { href, html, type SafeHtml } from '../html.js';
import { layout } from './layout.js';
import { sourceView } from './source-view.js';

export function executionPage(ctx: ConsoleContext, id: string): SafeHtml | null {
  const { base, store } = ctx;
  const found = visibleExecution(ctx, id);
  if (!found) return null;
  const r = found;
  const toolLink = (tool: string, version?: number | null) => href(base, ['tools', tool], { ...(showsPersonas(ctx.scope) ? { persona: r.persona } : {}), ...(version ? { version } : {}) });
  const failed = r.status === 'FAILURE';
  const tree = r.operation === 'call' ? callsIn(r, store.executions.tree(r.persona, treeRootOf(r), MAX_TREE_ROWS + 1)) : { calls: [], cut: false };

  const body = html`<h1>Execution <code>${r.id}</code></h1>
<dl class="facts">
<dt>Tool</dt><dd><a href="${toolLink(r.toolName)}">${r.toolName}</a>${r.version === null ? '' : html` <a href="${toolLink(r.toolName, r.version)}">v${r.version}</a>`}</dd>
${showsPersonas(ctx.scope) ? html`<dt>Persona</dt><dd>${r.persona}</dd>` : ''}
<dt>Operation</dt><dd>${r.operation}</dd>
<dt>Status</dt><dd><span class="status ${failed ? 'bad' : 'ok'}" id="execution-status">${r.status}</span>${r.errorKind ? html` <span class="kind">${r.errorKind}</span>` : ''}</dd>
<dt>Started</dt><dd>${shortTime(r.timestamp)} UTC</dd>
<dt>Duration</dt><dd>${ms(r.durationMs)}</dd>
<dt>CPU</dt><dd>${ms(r.cpuMs)}</dd>
<dt>Heap</dt><dd>${bytes(r.heapUsedBytes)}</dd>
${r.parentExecutionId ? html`<dt>Called by</dt><dd><a href="${href(base, ['executions', r.parentExecutionId])}">${r.parentExecutionId}</a></dd>` : ''}
${r.rootExecutionId && r.rootExecutionId !== r.parentExecutionId ? html`<dt>Root call</dt><dd><a href="${href(base, ['executions', r.rootExecutionId])}">${r.rootExecutionId}</a></dd>` : ''}
</dl>
${failed ? failureSection(ctx, r, toolLink) : ''}
<h2>Arguments</h2>
<pre class="json" id="arguments">${prettyJson(r.argumentsJson)}</pre>
${r.resultSummary === null ? '' : html`<h2>Result</h2><pre class="json" id="result">${prettyJson(r.resultSummary)}</pre>`}
<h2>Console</h2>
${r.consoleOutput === '' ? html`<p class="empty">Nothing was logged.</p>` : html`<pre class="console" id="console">${r.consoleOutput}</pre>`}
${r.effects && r.effects.length > 0 ? effectsSection(r) : ''}
${tree.calls.length > 0 ? html`<h2>Calls it made</h2><div class="call-tree" id="call-tree">${callTree(base, tree.calls)}</div>${tree.cut ? html`<p class="note">The tree has more calls than are shown.</p>` : ''}` : ''}`;
  return layout({ base, title: `Execution ${r.id.slice(0, 11)}`, section: 'executions', scope: scopeLabel(ctx.scope) }, body);
}

/** The row, if it exists and belongs to a persona this console shows. */
function visibleExecution(ctx: ConsoleContext, id: string): ExecutionRecord | undefined {
  if (id.length > 128) return undefined;
  if ('persona' in ctx.scope) return ctx.store.executions.get(ctx.scope.persona, id);
  const seq = ctx.store.console.seqOf(id);
  return seq === null ? undefined : ctx.store.console.bySeq([seq]).get(seq);
}

function failureSection(ctx: ConsoleContext, r: ExecutionRecord, toolLink: (tool: string, version?: number) => string): SafeHtml {
  const frames = r.frames ?? [];
  const top = frames.find((f) => f.package === undefined && f.sampled === undefined) ?? frames.find((f) => f.package === undefined);
  const source = top ? sourceFor(ctx, r.persona, top) : null;
  return html`<h2>Failure</h2>
<p class="error-line" id="error-message"><strong>${r.errorName ?? 'Error'}</strong>: ${r.errorMessage ?? ''}</p>
${frames.length > 0 ? html`<ol class="frames" id="frames">${frames.map((f) => html`<li>at <code>${f.function || '<anonymous>'}</code> (<a href="${toolLink(f.tool, f.version)}">${f.package ? `${f.package} ${f.file}` : f.file}:${f.line}:${f.column}</a>)${f.tool !== r.toolName ? html` <span class="note">${f.tool} v${f.version}</span>` : ''}${f.sampled ? html` <span class="note">sampled</span>` : ''}</li>`)}</ol>` : ''}
${top && source ? html`<h3>${top.file} v${top.version}, line ${top.line}, column ${top.column}</h3><div id="code-frame">${sourceView(source.text, source.language, { line: top.line, column: top.column })}</div>` : ''}
${r.codeFrame && !source ? html`<pre class="code-frame" id="code-frame-text">${r.codeFrame}</pre>` : ''}
${r.errorFacts ? html`<details><summary>More about the error (thrown value, properties, cause, callee)</summary><pre class="json">${cut(JSON.stringify(r.errorFacts, null, 2), 20_000)}</pre></details>` : ''}
${r.rawStack ? html`<details><summary>Raw stack</summary><pre>${r.rawStack}</pre></details>` : ''}`;
}

function sourceFor(ctx: ConsoleContext, persona: string, frame: Frame): { text: string; language: 'typescript' | 'javascript' | 'sql' } | null {
  try {
    const version = ctx.store.tools.getVersion(persona, frame.tool, frame.version);
    return { text: version.source, language: version.language };
  } catch {
    return null; // an unknown or damaged version: the stored code frame stands instead
  }
}

function effectsSection(r: ExecutionRecord): SafeHtml {
  const rows = (r.effects ?? []).map((e) => {
    const { op, ...rest } = e as { op: string } & Record<string, unknown>;
    return html`<tr><td><code>${op}</code></td><td>${Object.entries(rest).map(([k, v]) => html`<span class="kv">${k}=${typeof v === 'string' ? v : JSON.stringify(v)}</span> `)}</td></tr>`;
  });
  return html`<h2>Effects</h2><table class="effects" id="effects">${rows}</table>`;
}

function callTree(base: string, nodes: readonly CallNode[]): SafeHtml {
  return html`<ul>${nodes.map(
    (n) => html`<li><a href="${href(base, ['executions', n.record.id])}">${n.record.toolName} v${n.record.version ?? '?'}</a> <span class="status ${n.record.status === 'FAILURE' ? 'bad' : 'ok'}">${n.record.status}</span> ${ms(n.record.durationMs)}${n.record.errorMessage ? html` <span class="error">${cut(`${n.record.errorName ?? ''}: ${n.record.errorMessage}`, 120)}</span>` : ''}${n.calls.length > 0 ? callTree(base, n.calls) : ''}</li>`,
  )}</ul>`;
}
