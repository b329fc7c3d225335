// A call of one tool by another (ctx.tools, issue 15) against the same tool called directly by
// the agent, in the same run. The nested call is everything an agent's call is (arguments
// checked against the callee's schema, its own isolate, its own log row) plus the trip from the
// caller's sandbox to the server and back, and the caller's own call around it: the third line,
// a caller that calls twice, separates the cost of one more nested call from the caller's own.
import { ADD_ARGS, ADD_SCHEMA, createTool } from '../lib/engine.mjs';

const LEAF = 'export default async function ({ a, b }: { a: number; b: number }) {\n  await Promise.resolve();\n  return { sum: a + b };\n}\n';
const CALLER = 'export default async function (args: { a: number; b: number }, ctx: any) {\n  return await ctx.tools.add_leaf(args);\n}\n';
const TWICE = 'export default async function (args: { a: number; b: number }, ctx: any) {\n  await ctx.tools.add_leaf(args);\n  return await ctx.tools.add_leaf(args);\n}\n';

export async function toolCallFigures({ runGroup, profile, kit }) {
  const engine = await kit.startEngine('tool-calls');
  try {
    const { scope } = engine;
    await createTool(scope, 'add_leaf', LEAF);
    for (const [name, code] of [['add_caller', CALLER], ['add_twice', TWICE]]) {
      const out = await scope.createTool({ name, description: `bench tool ${name}`, code, inputSchema: ADD_SCHEMA, capabilities: { tools: ['add_leaf'] } });
      if (!out.ok) throw new Error(`create_tool ${name} was refused: ${out.failure.kind}: ${out.failure.message}`);
    }
    const call = async (name) => {
      const out = await scope.runTool(name, ADD_ARGS);
      if (!out.ok) throw new Error(`${name} failed: ${out.failure.kind}: ${out.failure.message}`);
    };
    for (const name of ['add_leaf', 'add_caller', 'add_twice']) await call(name);
    const variant = (id, label, name) => ({
      id,
      label,
      batch: 4,
      async run(batch) {
        for (let b = 0; b < batch; b++) await call(name);
      },
    });
    const group = await runGroup({
      id: 'tool-calls',
      title: "A nested call (ctx.tools) vs the same tool called directly",
      baseline: variant('direct', 'warm call of add_leaf by the agent', 'add_leaf'),
      variants: [variant('nested', 'warm call of a tool that calls add_leaf once', 'add_caller'), variant('nested-twice', 'the same, calling add_leaf twice in turn', 'add_twice')],
      ...profile.standard,
    });
    group.note =
      'Every call is logged: the nested line writes two rows (caller and callee), the twice line three. The difference between the nested and twice lines is what one more nested call costs inside a caller.';
    return [group];
  } finally {
    await engine.close();
  }
}
