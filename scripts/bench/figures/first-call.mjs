// First call of a freshly created version: create_tool (compile + load check in the sandbox)
// and its first call, against a bare isolated-vm `new Isolate()` + `dispose()` in this process.
import ivm from 'isolated-vm';
import { ADD_ARGS, call, createTool, TOOLS } from '../lib/engine.mjs';

/** The pause before each timed create: far shorter than an LLM turn, longer than the spare's idle wait. */
const AGENT_TURN_MS = 150;

export async function firstCallFigures({ runGroup, profile, kit }) {
  // Its own engine: this group leaves dozens of tools (and isolates) behind.
  const engine = await kit.startEngine('first-call');
  try {
    let n = 0;
    await createTool(engine.scope, 'patched', TOOLS.add);
    await call(engine.scope, 'patched');
    const group = await runGroup({
      id: 'first-call',
      title: 'first call of a new version (compile + isolate + load + run, in process)',
      baseline: {
        id: 'ivm-new-dispose',
        label: 'bare isolated-vm new Isolate() + dispose()',
        run(batch) {
          for (let i = 0; i < batch; i++) new ivm.Isolate({ memoryLimit: 64 }).dispose();
        },
      },
      variants: [
        {
          id: 'create-first-call',
          label: 'create_tool + first call (new tool, 150 ms after the last call)',
          target: { ratio: { op: '<=', value: 2 }, absMs: 10 },
          async run(batch) {
            let timed = 0;
            for (let i = 0; i < batch; i++) {
              // Untimed: an agent's turn between two calls. The sandbox process replaces its
              // spare isolate once it has been idle 50 ms (src/sandbox-host/worker/main.ts).
              await new Promise((resolve) => setTimeout(resolve, AGENT_TURN_MS));
              const t0 = performance.now();
              const name = `fresh_${n++}`;
              await createTool(engine.scope, name, TOOLS.add);
              await call(engine.scope, name, ADD_ARGS);
              timed += performance.now() - t0;
            }
            return timed;
          },
        },
        {
          id: 'create-first-call-back-to-back',
          label: 'same, back to back (the spare is not made yet: the isolate is built in the call)',
          part: true,
          async run(batch) {
            for (let i = 0; i < batch; i++) {
              const name = `fresh_${n++}`;
              await createTool(engine.scope, name, TOOLS.add);
              await call(engine.scope, name, ADD_ARGS);
            }
          },
        },
        {
          id: 'update-first-call',
          label: 'update_tool (new code) + first call',
          async run(batch) {
            for (let i = 0; i < batch; i++) {
              const code = TOOLS.add.replace('a + b', `a + b + ${n++} - ${n - 1}`);
              const out = await engine.scope.updateTool({ name: 'patched', code });
              if (!out.ok) throw new Error(`update_tool was refused: ${out.failure.message}`);
              await call(engine.scope, 'patched', ADD_ARGS);
            }
          },
        },
      ],
      ...profile.slow,
      maxMs: profile.slow.maxMs,
    });
    group.note = 'The engine time includes the sandbox hop and the log rows; the baseline is the isolate alone, in this process.';
    return [group];
  } finally {
    await engine.close();
  }
}
