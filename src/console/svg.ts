/**
 * Charts as inline SVG made on the server: a sparkline of calls with the failed part in red,
 * stacked bars over time, horizontal bars for latencies. Static pictures of a few dozen
 * numbers need no chart library (and no script: the CSP allows none inline); numbers are
 * formatted here, and every label goes through `html`, like all text.
 */
import { html, type SafeHtml } from './html.js';

export interface Bar {
  label: string;
  calls: number;
  failures: number;
}

const n = (value: number) => (Number.isFinite(value) ? Number(value.toFixed(2)) : 0);

/** One thin bar per bucket, the failed share of each in red. */
export function sparkline(bars: readonly Bar[], width = 120, height = 24): SafeHtml {
  const max = Math.max(1, ...bars.map((b) => b.calls));
  const w = width / Math.max(1, bars.length);
  const rects = bars.map((b, i) => {
    const h = (b.calls / max) * height;
    const f = (b.failures / max) * height;
    return html`<rect class="calls" x="${n(i * w)}" y="${n(height - h)}" width="${n(Math.max(1, w - 1))}" height="${n(h)}"><title>${b.label}: ${b.calls} calls, ${b.failures} failed</title></rect>${b.failures > 0 ? html`<rect class="failures" x="${n(i * w)}" y="${n(height - f)}" width="${n(Math.max(1, w - 1))}" height="${n(f)}"></rect>` : ''}`;
  });
  return html`<svg class="sparkline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="calls per hour">${rects}</svg>`;
}

/** Calls and failures per bucket, with an axis and every few labels. */
export function barChart(bars: readonly Bar[], width = 760, height = 200): SafeHtml {
  const left = 40;
  const bottom = 24;
  const plotH = height - bottom - 8;
  const max = Math.max(1, ...bars.map((b) => b.calls));
  const w = (width - left) / Math.max(1, bars.length);
  const every = Math.max(1, Math.ceil(bars.length / 8));
  const parts = bars.map((b, i) => {
    const x = left + i * w;
    const h = (b.calls / max) * plotH;
    const f = (b.failures / max) * plotH;
    return html`<rect class="calls" x="${n(x)}" y="${n(8 + plotH - h)}" width="${n(Math.max(1, w - 2))}" height="${n(h)}"><title>${b.label}: ${b.calls} calls, ${b.failures} failed</title></rect>${b.failures > 0 ? html`<rect class="failures" x="${n(x)}" y="${n(8 + plotH - f)}" width="${n(Math.max(1, w - 2))}" height="${n(f)}"></rect>` : ''}${i % every === 0 ? html`<text x="${n(x)}" y="${height - 6}" class="axis">${b.label}</text>` : ''}`;
  });
  return html`<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="calls and failures over time">
<line x1="${left}" y1="${8 + plotH}" x2="${width}" y2="${8 + plotH}" class="axis-line"></line>
<text x="0" y="16" class="axis">${max}</text><text x="0" y="${8 + plotH}" class="axis">0</text>
${parts}</svg>`;
}

export interface LatencyBar {
  label: string;
  p50: number;
  p90: number;
  p99: number;
}

/** One row per tool: p99 as a light bar, p90 darker, p50 darkest, on one shared scale. */
export function latencyChart(rows: readonly LatencyBar[], format: (ms: number) => string, width = 760): SafeHtml {
  const rowH = 22;
  const left = 180;
  const height = rows.length * rowH + 8;
  const max = Math.max(0.001, ...rows.map((r) => r.p99));
  const scale = (value: number) => ((width - left - 90) * value) / max;
  const parts = rows.map((r, i) => {
    const y = 4 + i * rowH;
    return html`<text x="0" y="${y + 14}" class="axis">${r.label}</text>
<rect class="p99" x="${left}" y="${y}" width="${n(scale(r.p99))}" height="16"><title>p99 ${format(r.p99)}</title></rect>
<rect class="p90" x="${left}" y="${y}" width="${n(scale(r.p90))}" height="16"><title>p90 ${format(r.p90)}</title></rect>
<rect class="p50" x="${left}" y="${y}" width="${n(scale(r.p50))}" height="16"><title>p50 ${format(r.p50)}</title></rect>
<text x="${n(left + scale(r.p99) + 6)}" y="${y + 13}" class="axis">${format(r.p99)}</text>`;
  });
  return html`<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="latency percentiles per tool">${parts}</svg>`;
}
