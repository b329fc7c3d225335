// Resident memory: what one idle warm tool adds to its sandbox process, and whether 10,000
// calls grow the process after warm-up (leak check). Read from /proc/<pid>/status (VmRSS).
import { describeTarget, evaluateTarget } from '../lib/stats.mjs';
import { rssBytes, sleep } from '../lib/env.mjs';
import { call, createTool, TOOLS } from '../lib/engine.mjs';
import { inFlight } from '../lib/mcp-client.mjs';

const MB = 2 ** 20;

function sandboxRss(app) {
  const pids = app.sandboxPids();
  const values = pids.map(rssBytes);
  if (values.some((v) => v === null)) throw new Error(`could not read VmRSS of sandbox processes ${pids.join(', ')}`);
  return { pids: pids.join(','), bytes: values.reduce((a, b) => a + b, 0) };
}

export async function memoryFigures({ profile, log, kit }) {
  const { tools, warmupCalls, calls } = profile.memory;
  // One sandbox process, so that every byte measured belongs to the tools measured.
  const engine = await kit.startEngine('memory', { sandbox: { processes: 1 } });
  try {
    await createTool(engine.scope, 'add', TOOLS.add);
    for (let i = 0; i < 20; i++) await call(engine.scope, 'add');
    await sleep(1000);
    const before = sandboxRss(engine.app);
    for (let i = 0; i < tools; i++) {
      const name = `idle_${i}`;
      await createTool(engine.scope, name, TOOLS.add);
      await call(engine.scope, name);
    }
    await sleep(1500); // let the sandbox settle after the calls (GC, lockdown of new isolates)
    const after = sandboxRss(engine.app);
    if (after.pids !== before.pids) throw new Error('the sandbox process was replaced during the measurement');
    const perToolMb = (after.bytes - before.bytes) / tools / MB;
    const idleTarget = { absMb: 1.5 };

    log(`bench: memory: ${warmupCalls} warm-up calls, then ${calls} calls (4 in flight)`);
    await inFlight(() => call(engine.scope, 'add'), warmupCalls, 4);
    await sleep(500);
    const warm = sandboxRss(engine.app);
    const hostWarm = process.memoryUsage();
    const trail = [];
    const step = Math.max(1, Math.floor(calls / 10));
    for (let done = 0; done < calls; done += step) {
      await inFlight(() => call(engine.scope, 'add'), Math.min(step, calls - done), 4);
      trail.push(Math.round(sandboxRss(engine.app).bytes / 1024));
    }
    await sleep(500);
    const end = sandboxRss(engine.app);
    if (end.pids !== warm.pids) throw new Error('the sandbox process was replaced during the leak check');
    const hostEnd = process.memoryUsage();
    const growthPct = ((end.bytes - warm.bytes) / warm.bytes) * 100;
    const leakTarget = { growthPct: 20 };
    const rows = [
      {
        id: 'idle-warm-tool',
        label: `RSS per idle warm tool (${tools} tools, each created and called once)`,
        valueText: `${perToolMb.toFixed(2)} MB`,
        value: perToolMb,
        target: idleTarget,
        status: evaluateTarget(idleTarget, { absMb: perToolMb }),
      },
      {
        id: 'leak-check',
        label: `sandbox RSS growth over ${calls.toLocaleString('en-US')} calls after warm-up`,
        valueText: `${growthPct >= 0 ? '+' : ''}${growthPct.toFixed(1)}% (${(warm.bytes / MB).toFixed(1)} -> ${(end.bytes / MB).toFixed(1)} MB)`,
        value: growthPct,
        target: leakTarget,
        status: evaluateTarget(leakTarget, { growthPct }),
        warmRssMb: warm.bytes / MB,
        endRssMb: end.bytes / MB,
        trailKb: trail,
      },
      {
        id: 'host-growth',
        label: `host (bench process) over the same calls: heap used, RSS`,
        valueText: `${fmtDelta(hostEnd.heapUsed - hostWarm.heapUsed)}, ${fmtDelta(hostEnd.rss - hostWarm.rss)}`,
        value: (hostEnd.rss - hostWarm.rss) / MB,
        target: null,
        status: '-',
      },
    ];
    return [
      {
        id: 'memory',
        kind: 'absolute',
        title: 'resident memory (sandbox process, /proc VmRSS; engine with one sandbox process)',
        rows,
        note: `sandbox RSS with 1 warm tool ${(before.bytes / MB).toFixed(1)} MB, with ${tools + 1}: ${(after.bytes / MB).toFixed(1)} MB; targets ${rows.map((r) => describeTarget(r.target)).filter(Boolean).join(' / ')}`,
      },
    ];
  } finally {
    await engine.close();
  }
}

function fmtDelta(bytes) {
  return `${bytes >= 0 ? '+' : ''}${(bytes / MB).toFixed(1)} MB`;
}
