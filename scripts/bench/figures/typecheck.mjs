// The TypeScript checker of create/update (issue 17, item 1; src/typecheck/): what a check costs
// in its worker thread (cold start, warm checks of a 50-line and a 68 KB tool, against compiling
// the 50-line tool), and an interleaved A/B of the first call right after update_tool, on an
// engine with the checker and one without, so that "the checker never delays the first call of
// the new version" is a measured figure.
import { ADD_ARGS, ADD_SCHEMA, call, createTool, TOOLS } from '../lib/engine.mjs';
import { FIFTY_LINE_TOOL } from './compile.mjs';

/** A 68 KB tool: the 50-line one with ~200 helper functions of its kind. */
export function largeTool(targetBytes = 68 * 1024) {
  const helpers = [];
  let size = FIFTY_LINE_TOOL.length;
  for (let i = 0; size < targetBytes; i++) {
    const fn = `function total${i}(rows: Row[], tag: string): number {\n  let sum = 0;\n  for (const row of rows) {\n    if (row.tags.includes(tag)) sum += row.value * ${i + 1};\n  }\n  return sum;\n}\n\n`;
    helpers.push(fn);
    size += fn.length;
  }
  return FIFTY_LINE_TOOL.replace('function summarise', `${helpers.join('')}function summarise`);
}

const AMBIENT_INPUT = { inputSchema: { type: 'object', properties: { csv: { type: 'string' } }, required: ['csv'] }, capabilities: {}, toolsDeclaration: null };

export async function typecheckFigures({ runGroup, profile, code, kit }) {
  const [{ createTypeChecker }, { ambientDeclarations }, { compile }, { silentLogger }] = await Promise.all([
    code.import('typecheck/checker.js'),
    code.import('typecheck/ambient.js'),
    code.import('compiler/compile.js'),
    code.import('logger.js'),
  ]);
  const ambient = ambientDeclarations(AMBIENT_INPUT);
  const large = largeTool();
  const options = { timeoutMs: 60_000, maxQueued: 16, memoryMb: 512, logger: silentLogger };
  const checkOk = async (checker, source) => {
    const out = await checker.check({ fileName: 'bench.ts', source, ambient });
    if (!out.ok) throw new Error(`the checker did not answer: ${out.message}`);
    if (out.diagnostics.length > 0) throw new Error(`the bench tool has type errors: ${JSON.stringify(out.diagnostics[0])}`);
    return out;
  };
  const compileOk = async () => {
    const out = await compile({ toolName: 'bench', version: 1, language: 'typescript', source: FIFTY_LINE_TOOL });
    if (!out.ok) throw new Error(out.failure.message);
  };

  const groups = [];
  const warm = createTypeChecker(options);
  try {
    await checkOk(warm, FIFTY_LINE_TOOL);
    groups.push(
      await runGroup({
        id: 'typecheck-warm',
        title: 'type check in the worker thread, warm (the server waits for none of it)',
        baseline: { id: 'compile-50', label: 'compile() of the 50-line tool (swc, in process)', run: async (batch) => { for (let i = 0; i < batch; i++) await compileOk(); } },
        variants: [
          { id: 'check-50', label: 'check of the 50-line tool (round trip to the worker)', run: async (batch) => { for (let i = 0; i < batch; i++) await checkOk(warm, FIFTY_LINE_TOOL); } },
          { id: 'check-68k', label: `check of a ${Math.round(large.length / 1024)} KB tool`, run: async (batch) => { for (let i = 0; i < batch; i++) await checkOk(warm, large); } },
        ],
        ...profile.slow,
      }),
    );
  } finally {
    await warm.close();
  }

  groups.push(
    await runGroup({
      id: 'typecheck-cold',
      title: 'type checker cold start: worker thread + loading TypeScript + first check',
      baseline: { id: 'compile-50', label: 'compile() of the 50-line tool', run: async (batch) => { for (let i = 0; i < batch; i++) await compileOk(); } },
      variants: [
        {
          id: 'cold-check',
          label: 'new checker + first check of the 50-line tool + close',
          batch: 1,
          maxBatch: 1,
          async run() {
            const checker = createTypeChecker(options);
            try {
              await checkOk(checker, FIFTY_LINE_TOOL);
            } finally {
              await checker.close();
            }
          },
        },
      ],
      ...profile.startup,
    }),
  );

  // The A/B: the same updates and first calls on an engine without the checker (baseline), one
  // with it (the update's answer waits for the diagnostics), and one whose answer waits for none
  // (answerWaitMs 0: the first call runs while the checker is still checking the new version).
  const without = await kit.startEngine('typecheck-off', { typecheck: { enabled: false } });
  const withChecker = await kit.startEngine('typecheck-on');
  const concurrent = await kit.startEngine('typecheck-concurrent', { typecheck: { answerWaitMs: 0 } });
  try {
    let n = 0;
    for (const engine of [without, withChecker, concurrent]) {
      await createTool(engine.scope, 'patched', TOOLS.add, ADD_SCHEMA);
      await call(engine.scope, 'patched');
    }
    /**
     * Times the first call after each update (and, with `whole`, the update too). `pauseMs`:
     * an untimed pause between the update's answer and the call: the control for what the
     * checker's wait itself changes (the sandbox process goes idle meanwhile).
     */
    const firstCalls = (engine, { whole = false, pauseMs = 0 } = {}) => async (batch) => {
      let timed = 0;
      for (let i = 0; i < batch; i++) {
        const code = TOOLS.add.replace('a + b', `a + b + ${n++} - ${n - 1}`);
        const t0 = performance.now();
        const out = await engine.scope.updateTool({ name: 'patched', code });
        if (!out.ok) throw new Error(`update_tool was refused: ${out.failure.message}`);
        if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        const t1 = performance.now();
        await call(engine.scope, 'patched', ADD_ARGS);
        timed += performance.now() - (whole ? t0 : t1);
      }
      return timed;
    };
    const group = await runGroup({
      id: 'typecheck-first-call',
      title: 'first call after update_tool, with and without the checker (interleaved)',
      // The baseline waits 50 ms after the update's answer, as a call after any agent turn does:
      // the checker's own wait also leaves the sandbox process idle, and a call made at once
      // after an answer that did not wait is faster for that alone (the `at once` rows).
      baseline: { id: 'first-call-no-checker', label: 'first call 50 ms after update_tool answered, checker off', run: firstCalls(without, { pauseMs: 50 }) },
      variants: [
        { id: 'first-call-checker', label: 'the same, checker on (the answer waited for the diagnostics)', target: { ratio: { op: '<=', value: 1.25 } }, run: firstCalls(withChecker, { pauseMs: 50 }) },
        { id: 'first-call-concurrent', label: 'at once, while the checker checks the new version (answerWaitMs 0)', target: { ratio: { op: '<=', value: 1.25 } }, run: firstCalls(concurrent) },
        { id: 'first-call-no-checker-at-once', label: 'at once after update_tool answered, checker off', run: firstCalls(without) },
        { id: 'first-call-checker-at-once', label: 'at once after update_tool answered, checker on (after its wait)', run: firstCalls(withChecker) },
        { id: 'update-and-call-checker', label: 'update_tool + first call at once, checker on (the update waits for the diagnostics)', part: true, run: firstCalls(withChecker, { whole: true }) },
        { id: 'update-and-call-no-checker', label: 'update_tool + first call at once, checker off', part: true, run: firstCalls(without, { whole: true }) },
      ],
      ...profile.slow,
      // Seven variants of ~20-60 ms a round: the default budget would stop at ~10 rounds.
      maxMs: profile.slow.maxMs * 3,
    });
    group.note =
      'The checker runs in a worker thread (nice 5); on this 2-core machine it competes for a core with the sandbox process only while it checks. ' +
      'A first call made at once after an answer is faster than one made after any pause (the sandbox process has not gone idle), which is why the baseline pauses 50 ms.';
    groups.push(group);
  } finally {
    await Promise.all([without.close(), withChecker.close(), concurrent.close()]);
  }
  return groups;
}
