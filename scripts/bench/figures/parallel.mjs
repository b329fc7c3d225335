// 16 calls in flight of one slow tool (issue 12): the same 16 calls one after another in one
// isolate are the baseline. The work is CPU-bound, so the best ratio is 1 / cores; a ratio near
// 1 means the calls queued on one isolate.
import { createTool } from '../lib/engine.mjs';

const IN_FLIGHT = 16;
/** Tens of ms of CPU: a slow tool (sandbox-host/tool-lanes.ts); the note gives the figure measured. */
const WORK = 'export default function ({ n }: { n: number }) {\n  let h = 0;\n  for (let i = 0; i < 12_000_000; i++) h = (h * 31 + i + n) | 0;\n  return { h };\n}\n';
const SCHEMA = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };

export async function parallelFigures({ runGroup, profile, kit }) {
  const engine = await kit.startEngine('parallel');
  try {
    await createTool(engine.scope, 'slow_work', WORK, SCHEMA);
    const one = async (n) => {
      const out = await engine.scope.runTool('slow_work', { n });
      if (!out.ok) throw new Error(`slow_work failed: ${out.failure.kind}: ${out.failure.message}`);
    };
    await one(0);
    const probe = await engine.scope.runTool('slow_work', { n: 1 });
    const cpuMs = probe.ok ? engine.scope.getExecution(probe.executionId)?.cpuMs : null;
    const group = await runGroup({
      id: 'parallel',
      title: `${IN_FLIGHT} calls of one slow tool (CPU-bound)`,
      baseline: {
        id: 'sequential-16',
        label: `${IN_FLIGHT} calls one after another`,
        batch: 1,
        async run(batch) {
          for (let b = 0; b < batch; b++) for (let n = 0; n < IN_FLIGHT; n++) await one(n);
        },
      },
      variants: [
        {
          id: 'in-flight-16',
          label: `${IN_FLIGHT} calls in flight at once`,
          batch: 1,
          target: { ratio: { op: '<=', value: 0.75 } },
          async run(batch) {
            for (let b = 0; b < batch; b++) await Promise.all(Array.from({ length: IN_FLIGHT }, (_, n) => one(n)));
          },
        },
      ],
      ...profile.slow,
    });
    group.note = `One call used ${typeof cpuMs === 'number' ? cpuMs.toFixed(0) : '?'} ms of CPU. Two sandbox processes (the default) and sandbox.parallelCallsPerTool at its default (the cores, 2-8). Ratio: time of ${IN_FLIGHT} in flight over ${IN_FLIGHT} in sequence.`;
    return [group];
  } finally {
    await engine.close();
  }
}
