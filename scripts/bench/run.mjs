#!/usr/bin/env node
// `npm run bench [-- --quick] [--json PATH] [--only id,id] [--compare OLD.json] [--no-build]`:
// every figure of issue 5 in one run, as a table on stdout and as JSON (default
// scripts/bench/results/latest.json; quick.json for --quick). Compiles the code under test into
// a private folder first (lib/dist.mjs). Node must be started with --no-node-snapshot (the npm
// script does that): isolated-vm is used here too.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { prepareDist } from './lib/dist.mjs';
import { engineKit } from './lib/engine.mjs';
import { load, machine, ROOT } from './lib/env.mjs';
import { runGroup } from './lib/harness.mjs';
import { installPoolMeter } from './lib/attribution.mjs';
import { installLogSwitch } from './lib/log-switch.mjs';
import { renderTable } from './lib/report.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    only: { type: 'string' },
    compare: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});

if (!process.execArgv.includes('--no-node-snapshot')) {
  process.stderr.write('bench: run with `node --no-node-snapshot` (isolated-vm needs it); `npm run bench` does.\n');
  process.exit(2);
}
// The full run is the one BENCHMARKS.md quotes; a quick run must not overwrite it.
const jsonPath = args.json ?? path.join(ROOT, 'scripts/bench/results', args.quick ? 'quick.json' : 'latest.json');

/** Round and sample settings: the full run takes ~2-3 minutes here; quick is a smoke test (< 60 s). */
const PROFILES = {
  full: {
    standard: { rounds: 120, minRounds: 20, warmupRounds: 3, sampleMs: 12, maxMs: 20_000 },
    slow: { rounds: 40, minRounds: 10, warmupRounds: 2, sampleMs: 25, maxMs: 20_000 },
    startup: { rounds: 15, minRounds: 6, warmupRounds: 1, maxMs: 40_000 },
    memory: { tools: 30, warmupCalls: 1_000, calls: 10_000 },
  },
  quick: {
    standard: { rounds: 8, minRounds: 3, warmupRounds: 1, sampleMs: 5, maxMs: 1_500 },
    slow: { rounds: 5, minRounds: 3, warmupRounds: 1, sampleMs: 10, maxMs: 2_000 },
    startup: { rounds: 3, minRounds: 2, warmupRounds: 0, maxMs: 4_000 },
    memory: { tools: 8, warmupCalls: 200, calls: 1_000 },
  },
};

const FIGURES = [
  ['in-process', async () => (await import('./figures/in-process.mjs')).inProcessFigures],
  ['first-call', async () => (await import('./figures/first-call.mjs')).firstCallFigures],
  ['compile', async () => (await import('./figures/compile.mjs')).compileFigures],
  ['typecheck', async () => (await import('./figures/typecheck.mjs')).typecheckFigures],
  ['mcp', async () => (await import('./figures/mcp.mjs')).mcpFigures],
  ['http', async () => (await import('./figures/http.mjs')).httpFigures],
  ['parallel', async () => (await import('./figures/parallel.mjs')).parallelFigures],
  ['replicas', async () => (await import('./figures/replicas.mjs')).replicasFigures],
  ['fetch', async () => (await import('./figures/fetch.mjs')).fetchFigures],
  ['tool-calls', async () => (await import('./figures/tool-calls.mjs')).toolCallFigures],
  ['startup', async () => (await import('./figures/startup.mjs')).startupFigures],
  ['memory', async () => (await import('./figures/memory.mjs')).memoryFigures],
];

// Read before this run may overwrite it (the default --json path is the committed run).
const previous = args.compare ? JSON.parse(fs.readFileSync(args.compare, 'utf8')) : null;
const log = (line) => process.stderr.write(`${line}\n`);
const mode = args.quick ? 'quick' : 'full';
const profile = PROFILES[mode];
const only = args.only ? new Set(args.only.split(',')) : null;
const unknown = [...(only ?? [])].filter((id) => !FIGURES.some(([known]) => known === id));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown figure ${unknown.join(', ')} in --only; known: ${FIGURES.map(([id]) => id).join(', ')}.\n`);
  process.exit(2);
}
// The code under test, compiled for this run only (see lib/dist.mjs).
let code;
try {
  code = prepareDist({ build: !args['no-build'], log });
} catch (err) {
  process.stderr.write(`bench: could not prepare the code to measure: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
process.on('exit', () => code.cleanup());
// Before any engine opens its database: see log-switch.mjs.
const logSwitch = installLogSwitch();
const poolMeter = await installPoolMeter(code);
const kit = await engineKit(code);

const started = performance.now();
const result = { mode, startedAt: new Date().toISOString(), command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`, machine: machine(), loadStart: load(), groups: [] };
const ctx = {
  profile,
  quick: args.quick,
  log,
  logSwitch,
  poolMeter,
  code,
  kit,
  async runGroup(group) {
    log(`bench: ${group.id} ...`);
    const t0 = performance.now();
    const out = await runGroup(group, { log });
    out.load = load();
    log(`bench: ${group.id} done in ${((performance.now() - t0) / 1000).toFixed(1)} s (${out.rounds} rounds)`);
    return out;
  },
};

for (const [id, loadFigure] of FIGURES) {
  if (only && !only.has(id)) continue;
  try {
    const groups = await (await loadFigure())(ctx);
    result.groups.push(...groups);
  } catch (err) {
    log(`bench: ${id} failed: ${err instanceof Error ? err.stack : String(err)}`);
    result.groups.push({ id, title: id, skipped: err instanceof Error ? err.message : String(err) });
  }
}

result.loadEnd = load();
result.durationMs = Math.round(performance.now() - started);
process.stdout.write(`${renderTable(result, previous)}\n`);
fs.mkdirSync(path.dirname(path.resolve(jsonPath)), { recursive: true });
fs.writeFileSync(jsonPath, `${JSON.stringify(result, roundNumbers, 2)}\n`);
log(`bench: wrote ${path.relative(process.cwd(), path.resolve(jsonPath)) || jsonPath}`);
// Sandbox processes and servers are closed by each figure; nothing should keep us alive.
process.exit(0);

/** JSON with 4 significant digits: enough for figures, and a diff of two runs stays readable. */
function roundNumbers(_key, value) {
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)) return Number(value.toPrecision(4));
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}
