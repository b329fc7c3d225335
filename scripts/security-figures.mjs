#!/usr/bin/env node
// Runs the security suite with CHAMELEON_SECURITY_FIGURES set, then prints the figures that
// SECURITY.md quotes: attacks tried, contained, escapes, host survival, the worst overshoot of
// the CPU and wall-clock limits, peak sandbox memory against its bound, the worst event-loop
// stall, and the time to replace a sandbox process. Every attack appends one JSON line (or one
// per variant) through test/security/helpers/figures.ts; lines of one attack are merged here,
// worst value first.
//
//   node scripts/security-figures.mjs                       # the whole security project
//   node scripts/security-figures.mjs test/security/x.test.ts  # some files only
//   node scripts/security-figures.mjs --out figures.jsonl   # keep the raw lines
//
// Exits with vitest's exit code: a failed attack is a failed run, whatever the figures say.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-figures-'));
const figuresFile = outIndex >= 0 ? path.resolve(args.splice(outIndex, 2)[1]) : path.join(tmp, 'figures.jsonl');
const reportFile = path.join(tmp, 'vitest.json');
fs.writeFileSync(figuresFile, '');

const loadBefore = os.loadavg();
const started = Date.now();
const run = spawnSync('npx', ['vitest', 'run', '--project', 'security', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CHAMELEON_SECURITY_FIGURES: figuresFile },
});
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const loadAfter = os.loadavg();

const lines = fs
  .readFileSync(figuresFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));

// Test results: which files failed, and whether a failure says the server died.
const files = [];
if (fs.existsSync(reportFile)) {
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  for (const file of report.testResults ?? []) {
    const failures = (file.assertionResults ?? []).filter((a) => a.status === 'failed').flatMap((a) => a.failureMessages ?? []);
    if (file.status === 'failed' && failures.length === 0 && file.message) failures.push(file.message);
    files.push({ name: path.basename(file.name).replace(/\.test\.ts$/, ''), passed: file.status === 'passed', failures });
  }
}

// One row per attack: variants merged, the worst of each measure kept.
const attacks = new Map();
for (const l of lines) {
  const a = attacks.get(l.attack) ?? { attack: l.attack, class: l.class, contained: true, kinds: new Set(), elapsedMs: null, limitMs: null, limitKind: null, overshootMs: null, peakMb: null, boundMb: null, stallMs: null, replacementMs: null, notes: new Set() };
  a.contained &&= l.contained;
  a.kinds.add(l.kind ?? 'success');
  const max = (x, y) => (y === null || y === undefined ? x : x === null ? y : Math.max(x, y));
  a.elapsedMs = max(a.elapsedMs, l.elapsedMs);
  if (l.limitMs !== null && l.limitMs !== undefined) a.limitMs = l.limitMs;
  if (l.limitKind) a.limitKind = l.limitKind;
  a.overshootMs = max(a.overshootMs, l.overshootMs);
  // The line closest to its bound; a line without a bound (a variant that records the peak only)
  // never replaces one with a bound.
  const peak = l.sandboxPeakRssMb ?? null;
  const bound = l.sandboxRssBoundMb ?? null;
  if (peak !== null) {
    const closer = bound !== null ? a.boundMb === null || peak - bound > a.peakMb - a.boundMb : a.boundMb === null && (a.peakMb === null || peak > a.peakMb);
    if (closer) {
      a.peakMb = peak;
      a.boundMb = bound;
    }
  }
  a.stallMs = max(a.stallMs, l.worstStallMs);
  a.replacementMs = max(a.replacementMs, l.replacementMs);
  if (l.note) a.notes.add(l.note);
  attacks.set(l.attack, a);
}

const fileByAttack = new Map(files.map((f) => [f.name, f]));
const rows = [...attacks.values()].sort((x, y) => x.class.localeCompare(y.class) || x.attack.localeCompare(y.attack));
const fmt = (n, digits = 0) => (n === null || n === undefined ? '-' : n.toFixed(digits));
const table = [['attack', 'class', 'contained', 'kind', 'ms', 'limit', 'over', 'RSS/bound MB', 'stall', 'test']];
for (const a of rows) {
  const file = fileByAttack.get(a.attack);
  table.push([
    a.attack,
    a.class,
    a.contained ? 'yes' : 'NO',
    [...a.kinds].join(','),
    fmt(a.elapsedMs),
    a.limitMs === null ? '-' : `${a.limitKind ?? ''} ${a.limitMs}`,
    fmt(a.overshootMs),
    a.peakMb === null ? '-' : `${fmt(a.peakMb)}/${fmt(a.boundMb)}`,
    fmt(a.stallMs, 1),
    file ? (file.passed ? 'pass' : 'FAIL') : '?',
  ]);
}
const widths = table[0].map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
const print = (r) => console.log(r.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd());
console.log('\nSecurity suite figures');
print(table[0]);
print(widths.map((w) => '-'.repeat(w)));
for (const r of table.slice(1)) print(r);

const worst = (pick, filter = () => true) => rows.filter(filter).reduce((best, a) => (pick(a) !== null && (best === null || pick(a) > pick(best)) ? a : best), null);
const escapeClasses = new Set(['realm-escape', 'information-leak', 'persistence', 'integrity', 'capability']);
const notContained = rows.filter((a) => !a.contained);
const hostDied = files.filter((f) => f.failures.some((m) => /server process is alive|no reply with id|ECONNREFUSED|EPIPE/.test(m)));
const withoutFigures = files.filter((f) => !attacks.has(f.name) && ![...attacks.keys()].some((k) => k.startsWith(f.name)));
const cpu = worst((a) => a.overshootMs, (a) => a.limitKind === 'cpu');
const wall = worst((a) => a.overshootMs, (a) => a.limitKind === 'wall');
const rss = worst((a) => (a.peakMb === null || a.boundMb === null ? null : a.peakMb / a.boundMb));
const stall = worst((a) => a.stallMs);
const replacement = worst((a) => a.replacementMs);

console.log('\nSummary');
console.log(`  attacks tried:        ${rows.length} (${files.length} test files; ${withoutFigures.length} without figures${withoutFigures.length ? `: ${withoutFigures.map((f) => f.name).join(', ')}` : ''})`);
console.log(`  contained:            ${rows.length - notContained.length}`);
console.log(`  escapes:              ${notContained.filter((a) => escapeClasses.has(a.class)).length}${notContained.length ? `  (not contained: ${notContained.map((a) => a.attack).join(', ')})` : ''}`);
console.log(`  host survival:        ${files.length - hostDied.length}/${files.length} files${hostDied.length ? ` (server lost in: ${hostDied.map((f) => f.name).join(', ')})` : ''}`);
console.log(`  worst CPU overshoot:  ${cpu ? `+${fmt(cpu.overshootMs)} ms over ${cpu.limitMs} ms (${cpu.attack}); bound +50 ms` : '-'}`);
console.log(`  worst wall overshoot: ${wall ? `+${fmt(wall.overshootMs)} ms over ${wall.limitMs} ms (${wall.attack}); bound +100 ms + replacement` : '-'}`);
console.log(`  sandbox replacement:  ${replacement ? `${fmt(replacement.replacementMs)} ms worst (${replacement.attack})` : '-'}`);
console.log(`  peak sandbox RSS:     ${rss ? `${fmt(rss.peakMb)} MB against a bound of ${fmt(rss.boundMb)} MB (${rss.attack})` : '-'}`);
console.log(`  worst event-loop stall: ${stall ? `${fmt(stall.stallMs, 1)} ms (${stall.attack}); bound 50 ms` : '-'}`);
console.log(`  test files failed:    ${files.filter((f) => !f.passed).length}${files.some((f) => !f.passed) ? ` (${files.filter((f) => !f.passed).map((f) => f.name).join(', ')})` : ''}`);
console.log(`  run: ${minutes} min on ${os.cpus().length} cores, Node ${process.version}; load average ${loadBefore[0].toFixed(1)} before, ${loadAfter[0].toFixed(1)} after`);
if (outIndex >= 0) console.log(`  raw figures: ${figuresFile}`);
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(run.status ?? 1);
