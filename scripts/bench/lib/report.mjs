// The table on stdout: one block per group, one line per variant; with --compare, the median
// ratio of an earlier run's JSON beside each figure, so that a change shows as a change.
import { describeTarget, formatMs, formatRatio } from './stats.mjs';

const W = { label: 52, ratio: 26, prev: 8, abs: 11, target: 20 };

function pad(text, width) {
  const s = String(text);
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}
function padLeft(text, width) {
  const s = String(text);
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

function absText(ms, metric) {
  if (!Number.isFinite(ms)) return 'n/a';
  return metric === 'throughput' ? `${Math.round(1000 / ms)}/s` : formatMs(ms);
}

/** An error message for a table cell: one line, at most 140 characters. */
function oneLine(text) {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > 140 ? `${flat.slice(0, 139)}…` : flat;
}

function fmtLoad(l) {
  return l ? `${l.loadavg1}/${l.loadavg5}/${l.loadavg15} on ${l.cpus} cpus` : 'n/a';
}

/** Figures of an earlier run by `group/variant` id: its median ratio, or its value for absolute rows. */
function indexPrevious(previous) {
  const index = new Map();
  for (const g of previous?.groups ?? []) {
    for (const v of g.variants ?? []) if (v.ratio) index.set(`${g.id}/${v.id}`, formatRatio(v.ratio.median ?? Number.NaN));
    for (const r of g.rows ?? []) index.set(`${g.id}/${r.id}`, r.valueText?.split(' (')[0] ?? '');
  }
  return index;
}

/** The whole report as text; `previous` is an earlier run's JSON (optional). */
export function renderTable(result, previous = null) {
  const prev = previous ? indexPrevious(previous) : null;
  const line = (label, ratio, was, abs, target, status) =>
    `${pad(label, W.label)} ${padLeft(ratio, W.ratio)}${prev ? ` ${padLeft(was, W.prev)}` : ''} ${padLeft(abs, W.abs)}  ${pad(target, W.target)} ${status}`;
  const out = [];
  const m = result.machine;
  out.push(`Chameleon benchmarks (${result.mode} mode), ${result.startedAt}: ${result.command}`);
  out.push(`node ${m.node}, ${m.cpus} x ${m.cpuModel}; load average (1/5/15 min) ${fmtLoad(result.loadStart)} at start, ${fmtLoad(result.loadEnd)} at end`);
  if (m.git) out.push(`commit ${m.git.commit.slice(0, 12)}${m.git.dirty ? ' (with uncommitted changes)' : ''}`);
  if (previous) out.push(`"was": median ratio of ${previous.startedAt} (commit ${previous.machine?.git?.commit?.slice(0, 12) ?? '?'}${previous.machine?.git?.dirty ? '+changes' : ''})`);
  out.push('ratio: median of per-round ratios to the baseline measured in the same round, [p10..p90] beside it.');
  out.push('');
  out.push(line('figure / variant', 'ratio median [p10..p90]', 'was', 'abs median', 'target', 'result'));
  out.push('-'.repeat(W.label + W.ratio + W.abs + W.target + 12 + (prev ? W.prev + 1 : 0)));
  for (const g of result.groups) {
    if (g.skipped) {
      out.push(`${g.title}: SKIPPED (${g.skipped})`, '');
      continue;
    }
    if (g.kind === 'absolute') {
      out.push(g.title);
      for (const row of g.rows) {
        // The value spans the ratio and abs columns; "was" follows it in brackets.
        const was = prev?.get(`${g.id}/${row.id}`);
        const value = was ? `${row.valueText} [was ${was}]` : row.valueText;
        const width = W.ratio + W.abs + 1 + (prev ? W.prev + 1 : 0);
        out.push(`${pad(`  ${row.label}`, W.label)} ${padLeft(value, width)}  ${pad(describeTarget(row.target), W.target)} ${row.status ?? '-'}`);
      }
      if (g.note) out.push(`  (${g.note})`);
      out.push('');
      continue;
    }
    out.push(`${g.title}  [${g.rounds} rounds, load ${fmtLoad(g.load)}]`);
    out.push(line(`  baseline: ${g.baseline.label}`, '1x', '', absText(g.baseline.absMs.median, g.metric), '', ''));
    for (const v of g.variants) {
      const r = v.ratio;
      const ratio = r.n > 0 ? `${formatRatio(r.median)} [${formatRatio(r.p10)}..${formatRatio(r.p90)}]` : 'n/a';
      const status = v.error ? `${v.status} (${v.failedSamples ?? 1} failed sample(s): ${oneLine(v.error)})` : v.status;
      out.push(line(`  ${v.label}`, ratio, prev?.get(`${g.id}/${v.id}`) ?? '', absText(v.absMs.median, g.metric), describeTarget(v.target), status));
    }
    if (g.note) out.push(`  (${g.note})`);
    out.push('');
  }
  const targets = result.groups.flatMap((g) => g.rows ?? g.variants ?? []).filter((v) => ['PASS', 'FAIL', 'ERROR'].includes(v.status));
  const pass = targets.filter((v) => v.status === 'PASS').length;
  const skipped = result.groups.filter((g) => g.skipped).length;
  out.push(`targets met: ${pass} of ${targets.length}${skipped ? `; ${skipped} figure group(s) skipped` : ''}; the run took ${Math.round(result.durationMs / 1000)} s`);
  return out.join('\n');
}
