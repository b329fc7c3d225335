// Warm calls in process against node:vm: the call as the sandbox process runs it (the figure),
// the same call through the engine API (scope.runTool: the hop to the sandbox process and the
// log row on top), the parts of a warm call measured on their own; and logging on vs off.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import ivm from 'isolated-vm';
import { processCpuMs } from '../lib/attribution.mjs';
import { formatMs, quantile } from '../lib/stats.mjs';
import { ADD_ARGS, call, createTool, tempDir, TOOLS } from '../lib/engine.mjs';

/** node:vm: a function made once in a context, called with a JSON copy in and out. */
export function vmBaseline() {
  const context = vm.createContext({});
  const fn = vm.runInContext('(function (argsJson) { const a = JSON.parse(argsJson); return JSON.stringify({ sum: a.a + a.b }); })', context);
  const check = { sum: 0 }; // kept, so the results are used
  return {
    id: 'node-vm',
    label: 'node:vm call, JSON copy in/out',
    check,
    run(batch) {
      for (let i = 0; i < batch; i++) check.sum += JSON.parse(fn(JSON.stringify(ADD_ARGS))).sum;
    },
  };
}

/**
 * The sandbox side of a warm call, in this process: the worker's own modules (isolate cache
 * with the hardened realm, runJob, the fast-path policy) fed the job the supervisor would send.
 * Only the IPC message and the process boundary are left out; every call re-evaluates the
 * module in the frozen realm, under the CPU limit, with its envelope checked as in production.
 */
async function sandboxSide(closers, code) {
  const { createIsolateCache } = await code.import('sandbox-host/worker/isolate-cache.js');
  const { runJob } = await code.import('sandbox-host/worker/run-job.js');
  const { createFastPathPolicy } = await code.import('sandbox-host/worker/fast-path.js');
  const { createCpuSampler } = await code.import('sandbox-host/worker/cpu-profile.js');
  const { compile } = await code.import('compiler/compile.js');
  const source = (name, filename) => ({ filename, source: fs.readFileSync(path.join(code.dist, 'sandbox', name), 'utf8') });
  const cache = createIsolateCache({
    realmSources: { prelude: source('prelude.js', 'chameleon-prelude.js'), lockdown: source('lockdown.js', 'chameleon-lockdown.js') },
    maxIsolates: 8,
    maxVersionsPerIsolate: 4,
    spareMemoryMb: 64,
    onCatastrophicError: (message) => {
      throw new Error(`catastrophic: ${message}`);
    },
  });
  closers.push(() => cache.disposeAll());
  // The worker's settings (src/sandbox-host/worker/main.ts), as they are once its RSS watchdog
  // thread is up (a warm call's case; this process has no such thread to wait for).
  const policy = createFastPathPolicy({ fastCpuMs: 20, retryAfter: 50, syncAllowed: () => true });
  // What runJob keeps across calls besides its isolates: the policy, and a CPU sampler (it
  // samples only calls after a CPU timeout, which no call here has).
  const run = { policy, sampler: createCpuSampler({ budget: 32 }) };
  const argsJson = JSON.stringify(ADD_ARGS);
  let id = 0;
  const variant = async (tool, label) => {
    const built = await compile({ toolName: tool, version: 1, language: 'typescript', source: TOOLS[tool] });
    if (!built.ok) throw new Error(`compile ${tool}: ${built.failure.message}`);
    const job = (withCode) => ({
      id: ++id,
      isolateKey: `bench/${tool}`,
      scriptKey: `bench/${tool}@1#bench`,
      filename: `chameleon/bench/${tool}@1.js`,
      ...(withCode ? { compiledJs: built.compiledJs } : {}),
      memoryMb: 64,
      timeoutMs: 5_000,
      argsJson,
      metaJson: JSON.stringify({ persona: 'bench', tool: { name: tool, version: 1 }, executionId: `ex_bench_${id}`, maxResultChars: 1_000_000, maxConsoleChars: 65_536, probe: false }),
    });
    const check = async (reply) => {
      const envelope = reply instanceof Promise ? (await reply).envelope : reply.envelope;
      if (typeof envelope !== 'string' || !envelope.includes('"sum":3')) throw new Error(`sandbox call of ${tool} answered ${JSON.stringify(reply).slice(0, 200)}`);
    };
    for (let i = 0; i < 20; i++) await check(runJob(cache, job(i === 0), run));
    const warmJob = job(false);
    return {
      id: `sandbox-${tool}`,
      label,
      target: { ratio: { op: '<=', value: 6 } },
      run(batch) {
        let last;
        for (let i = 0; i < batch; i++) last = runJob(cache, warmJob, run);
        // A warm call of a quick version answers synchronously; if it ever did not, await it.
        return last instanceof Promise ? check(last) : check(last);
      },
    };
  };
  return [await variant('add', 'sandbox call, sync tool (runJob in process)'), await variant('add_async', 'sandbox call, async tool (runJob in process)')];
}

function engineCall(id, label, scope, tool, extra = {}) {
  return {
    id,
    label,
    ...extra,
    async run(batch) {
      for (let i = 0; i < batch; i++) await call(scope, tool);
    },
  };
}

/** The parts: an IPC hop, isolated-vm calls in this process, one log row into SQLite. */
async function parts(closers, code) {
  const { openStore } = await code.import('store/index.js');
  const echo = fork(new URL('../servers/ipc-echo.mjs', import.meta.url), [], { serialization: 'json', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  closers.push(() => echo.kill('SIGKILL'));
  await new Promise((resolve, reject) => {
    echo.once('spawn', resolve);
    echo.once('error', reject);
  });
  let waiting = null;
  echo.on('message', () => waiting?.());
  const job = { type: 'run', job: { id: 1, isolateKey: 'bench/add', scriptKey: 'bench/add@1#0123456789abcdef', filename: 'chameleon/bench/add@1.js', compiledJs: 'x'.repeat(200), memoryMb: 64, timeoutMs: 5000, argsJson: '{"a":1,"b":2}', metaJson: 'y'.repeat(200) } };
  const roundTrip = () => new Promise((resolve) => {
    waiting = resolve;
    echo.send(job);
  });

  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  closers.push(() => isolate.dispose());
  const source = '(function (argsJson) { const a = JSON.parse(argsJson); return JSON.stringify({ sum: a.a + a.b }); })';
  const script = isolate.compileScriptSync(source);
  const warmContext = isolate.createContextSync();
  const warmFn = script.runSync(warmContext, { reference: true });
  const asyncSource = '(async function (argsJson) { const a = JSON.parse(argsJson); await null; return JSON.stringify({ sum: a.a + a.b }); })';
  const asyncScript = isolate.compileScriptSync(asyncSource);
  const warmAsyncFn = asyncScript.runSync(warmContext, { reference: true });
  const argsJson = JSON.stringify(ADD_ARGS);

  const storeDir = tempDir('sqlite');
  const store = openStore(path.join(storeDir, 'log.db'));
  closers.push(() => {
    store.close();
    fs.rmSync(storeDir, { recursive: true, force: true });
  });
  let seq = 0;
  const record = () => ({
    id: `ex_bench_${seq++}`, timestamp: new Date().toISOString(), persona: 'bench', toolName: 'add', operation: 'call', version: 1, hash: 'h'.repeat(64),
    argumentsJson: argsJson, status: 'SUCCESS', errorKind: null, errorName: null, errorMessage: null, resultSummary: '{"sum":3}', frames: null, rawStack: null,
    codeFrame: null, consoleOutput: '', durationMs: 0.3, cpuMs: 0.05, heapUsedBytes: 2_000_000, effects: null,
  });

  return [
    { id: 'part-ipc', label: 'part: node IPC round trip to a child (JSON)', part: true, async run(batch) { for (let i = 0; i < batch; i++) await roundTrip(); } },
    {
      id: 'part-ivm-fresh',
      label: 'reference: ivm fresh context + run + async apply (the design Chameleon avoids)',
      part: true,
      async run(batch) {
        for (let i = 0; i < batch; i++) {
          const context = await isolate.createContext();
          const fn = await asyncScript.run(context, { reference: true, timeout: 5000 });
          await fn.apply(undefined, [argsJson], { timeout: 5000, result: { promise: true } });
          fn.release();
          context.release();
        }
      },
    },
    {
      id: 'part-ivm-async',
      label: 'part: ivm warm context, async apply (promise)',
      part: true,
      async run(batch) {
        for (let i = 0; i < batch; i++) await warmAsyncFn.apply(undefined, [argsJson], { timeout: 5000, result: { promise: true } });
      },
    },
    {
      id: 'part-ivm-sync',
      label: 'part: ivm warm context, applySync',
      part: true,
      run(batch) {
        for (let i = 0; i < batch; i++) warmFn.applySync(undefined, [argsJson], { timeout: 5000 });
      },
    },
    { id: 'part-sqlite', label: 'part: one log row into SQLite (WAL), own store', part: true, run(batch) { for (let i = 0; i < batch; i++) store.executions.insert(record()); } },
  ];
}

export async function inProcessFigures({ runGroup, profile, logSwitch, poolMeter, quick, kit, code }) {
  const engine = await kit.startEngine('warm');
  const closers = [];
  try {
    await createTool(engine.scope, 'add', TOOLS.add);
    await createTool(engine.scope, 'add_async', TOOLS.add_async);
    for (let i = 0; i < 50; i++) {
      await call(engine.scope, 'add');
      await call(engine.scope, 'add_async');
    }
    const warm = await runGroup({
      id: 'warm-in-process',
      title: 'warm call in process (pristine state: hardened realm, module re-evaluated per call, CPU limit, result checked)',
      baseline: vmBaseline(),
      variants: [
        ...(await sandboxSide(closers, code)),
        engineCall('engine-sync', 'engine scope.runTool, sync tool (+ sandbox process hop, log row)', engine.scope, 'add', { part: true }),
        engineCall('engine-async', 'engine scope.runTool, async tool (+ sandbox process hop, log row)', engine.scope, 'add_async', { part: true }),
        ...(await parts(closers, code)),
      ],
      ...profile.standard,
      note: 'The figure: the call as the sandbox process runs it (its isolate cache, runJob and fast-path policy, in this process; no IPC). The engine rows add the hop to the separate sandbox process and the committed log row (the MCP figures below include both). The "part:" rows are pieces measured alone in the same rounds (no target).',
    });

    // Logging on / off: the same engine, tool and warm isolate; only the SQLite step differs.
    const logged = (off) => ({
      id: off ? 'log-off' : 'log-on',
      label: off ? 'runTool, sync tool, log insert skipped' : 'runTool, sync tool, logged',
      async run(batch) {
        logSwitch.off = off;
        logSwitch.timing = !off;
        try {
          for (let i = 0; i < batch; i++) await call(engine.scope, 'add');
        } finally {
          logSwitch.off = false;
          logSwitch.timing = false;
        }
      },
      ...(off ? {} : { target: { ratio: { op: '<=', value: 1.1 } } }),
    });
    const before = { skipped: logSwitch.skipped, statements: logSwitch.statements };
    logSwitch.insertMs.length = 0;
    const logging = await runGroup({
      id: 'logging',
      title: 'logging on / off (same call, same engine)',
      baseline: logged(true),
      variants: [logged(false)],
      ...profile.standard,
    });
    const found = logSwitch.statements > 0 && logSwitch.skipped > before.skipped;
    const inserts = logSwitch.insertMs.slice();
    logging.note = found
      ? `"off" skips only the SQLite insert+commit of the log row (better-sqlite3 wrapped in the bench process; the engine has no switch). SQLite insert inside a logged call, timed around the statement: median ${fmtUs(median(inserts))} over ${inserts.length} inserts.`
      : 'NOT MEASURED: the bench could not find the engine\'s `INSERT INTO executions` statement to switch off, so "off" still logged.';
    if (!found) for (const v of logging.variants) v.status = 'ERROR';
    logging.insertMs = { median: median(inserts), n: inserts.length };
    const where = await attribute(engine, { calls: quick ? 300 : 2000, logSwitch, poolMeter });
    return [warm, logging, where];
  } finally {
    for (const close of closers.reverse()) {
      try {
        close();
      } catch {
        /* already gone */
      }
    }
    await engine.close();
  }
}

/** One batch of sequential warm calls, with the CPU of each process and the metered parts. */
async function attribute(engine, { calls, logSwitch, poolMeter }) {
  const { scope, app } = engine;
  const pids = app.sandboxPids();
  const sandboxCpu = () => pids.map(processCpuMs).reduce((a, b) => (a === null || b === null ? null : a + b), 0);
  logSwitch.insertMs.length = 0;
  poolMeter.ms.length = 0;
  logSwitch.timing = true;
  poolMeter.on = true;
  const sandbox0 = sandboxCpu();
  const host0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    for (let i = 0; i < calls; i++) await call(scope, 'add');
  } finally {
    logSwitch.timing = false;
    poolMeter.on = false;
  }
  const wall = (performance.now() - t0) / calls;
  const hostUsage = process.cpuUsage(host0);
  const host = (hostUsage.user + hostUsage.system) / 1000 / calls;
  const hostSystem = hostUsage.system / 1000 / calls;
  const sandbox1 = sandboxCpu();
  const sandbox = sandbox0 === null || sandbox1 === null || app.sandboxPids().join() !== pids.join() ? Number.NaN : (sandbox1 - sandbox0) / calls;
  const logged = scope.listExecutions({ toolName: 'add', limit: Math.min(calls, 1000) });
  const isolateCpu = median(logged.map((r) => r.cpuMs).filter((v) => typeof v === 'number'));
  const trip = poolMeter.installed ? median(poolMeter.ms) : Number.NaN;
  const insert = median(logSwitch.insertMs);
  const pct = (ms) => (Number.isFinite(ms) && wall > 0 ? ` (${Math.round((ms / wall) * 100)}% of wall)` : '');
  const row = (id, label, ms, extra = '') => ({ id, label, value: ms, valueText: `${fmtUs(ms)}${extra}`, target: null, status: '-' });
  return {
    id: 'warm-attribution',
    kind: 'absolute',
    title: `where a warm in-process call goes (${calls} sequential calls of the sync tool, per call)`,
    rows: [
      row('wall', 'wall time per call (mean)', wall),
      row('host-cpu', 'CPU of this (host) process, user + system', host, `${pct(host)}, system ${fmtUs(hostSystem)}`),
      row('sqlite', '  of which: SQLite log insert+commit (median)', insert, pct(insert)),
      row('sandbox-cpu', 'CPU of the sandbox processes (all threads)', sandbox, pct(sandbox)),
      row('isolate-cpu', '  of which: isolate CPU of the call (cpu_ms, median)', isolateCpu, pct(isolateCpu)),
      row('trip', 'wall time of the sandbox trip (pool.run, median)', trip, poolMeter.installed ? pct(trip) : ' (pool.run not found)'),
      row('idle', 'wall minus both CPUs (waiting: IPC wake-ups, scheduling)', wall - host - sandbox, pct(wall - host - sandbox)),
    ],
    note: 'CPU from process.cpuUsage() and /proc/<pid>/stat; the sandbox CPU includes its IPC handling and the isolate thread.',
  };
}

function median(values) {
  return quantile(values, 0.5);
}

function fmtUs(ms) {
  return formatMs(ms);
}
