import type { CapabilitiesInput } from '../../src/capabilities/manifest.js';
import type { ToolFixture } from './capability-tools.js';

/**
 * One kv operation for kvTool: `["set", key, value]`, `["get", key]`, `["delete", key]`,
 * `["list", { prefix, limit }]`, or how the call ends after the ones before it: `["throw"]`,
 * `["spin"]` (CPU until the time limit), `["hang"]` (waits until the wall deadline).
 */
export type KvOp = ['set', string, unknown] | ['get', string] | ['delete', string] | ['list', { prefix?: string; limit?: number }?] | ['throw'] | ['spin'] | ['hang'];

/**
 * A tool that runs the kv operations it is given in order and returns each one's answer
 * (`set` answers null). Each operation is on a line of its own, so a refusal's location says
 * which one failed (`lineOf(tool.lines, 'ctx.kv.set(')`).
 */
export function kvTool(name: string, capabilities?: CapabilitiesInput, timeoutMs?: number): ToolFixture {
  return {
    name,
    ...(capabilities ? { capabilities } : {}),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    lines: [
      'export default async ({ ops }: { ops: any[] }, ctx: any) => {',
      '  const out: unknown[] = [];',
      '  for (const [op, a, b] of ops) {',
      '    if (op === "set") out.push((await ctx.kv.set(a, b)) ?? null);',
      '    else if (op === "get") out.push((await ctx.kv.get(a)) ?? null);',
      '    else if (op === "delete") out.push(await ctx.kv.delete(a));',
      '    else if (op === "list") out.push(await ctx.kv.list(a));',
      '    else if (op === "throw") throw new Error("failed after its writes");',
      '    else if (op === "spin") for (;;) {}',
      '    else if (op === "hang") await new Promise(() => {});',
      '  }',
      '  return out;',
      '};',
    ],
  };
}
