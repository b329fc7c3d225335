/**
 * Attack (denial of service): source whose types make the TypeScript checker work without end.
 * The checker is advice that runs in a worker thread of the server process (src/typecheck/), so
 * a type bomb aims at the server itself: its event loop, its memory, the save it delays, and
 * every later check. Three bombs, each measured on this machine with the checker's own code:
 *   - union distribution: 60 template-literal types each distributing over 2^16 members
 *     (alone, ~200 MB of heap per 8 of them and seconds of work; it only grows);
 *   - 200 KB of nested generics: 259 functions whose types nest 30 generic levels, each
 *     called with a mismatching argument (~5 s of checking, ~170 MB of heap);
 *   - self-reference: `type T<N> = [T<N>, T<N>]` and a doubling recursive alias compared.
 * The server runs with a smaller checker than the default (heap 128 MB, deadline 4 s) so the
 * file finishes in seconds; the mechanism is the one of the defaults (512 MB, 20 s).
 * What must hold: each create saves and answers within typecheck.answerWaitMs (+ margin), with
 * diagnostics or with a note saying why there are none; other requests are answered meanwhile
 * and the event loop's stall stays within the noise-relative bound; the server's resident
 * memory grows by at most about the worker's heap limit; and a plain create afterwards gets
 * real diagnostics again (the stuck or dead worker was replaced).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { measure } from './helpers/bounds.js';
import { HEALTHY_TOOL, expectContained, rssOf, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { loadedBound, stallBound } from './helpers/noise.js';

const MB = 1024 * 1024;
const CHECKER = { memoryMb: 128, timeoutMs: 4_000, answerWaitMs: 5_000 };

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer({ config: { typecheck: CHECKER } });
});
afterAll(() => server.close());

function unionDistribution(copies: number, depth: number): string {
  let src = '';
  for (let i = 0; i < copies; i++) {
    src += `type B${i} = ${i * 2} | ${i * 2 + 1};\n`;
    src += `type S${i}<N extends number, A extends unknown[] = []> = A['length'] extends N ? '' : \`\${B${i}}\${S${i}<N, [...A, 0]>}\`;\n`;
    src += `const x${i}: S${i}<${depth}> = '${String(i * 2).repeat(depth)}' as any;\n`;
  }
  return `${src}export default () => ({ ok: 1 });\n`;
}

function nestedGenerics(bytes: number, depth: number): string {
  let src = 'type W<T> = { v: T; w: Array<T>; p: Promise<T> };\n';
  for (let i = 0; src.length < bytes; i++) {
    let t = 'number';
    for (let d = 0; d < depth; d++) t = `W<${t} | ${d + (i % 7)}>`;
    src += `const f${i} = (x: ${t}): ${t} => x;\nf${i}(null as any as ${t.replace('number', 'string')});\n`;
  }
  return `${src}export default () => ({ ok: 2 });\n`;
}

const SELF_REFERENCE = [
  'type T<N> = [T<N>, T<N>];',
  'type U<N> = N extends 0 ? never : { a: U<[N]>; b: U<[N, N]> };',
  "type Grow<X, N extends unknown[]> = N['length'] extends 40 ? X : Grow<[X, X], [...N, 0]>;",
  // Types only: nothing here runs when the module loads.
  'function ab(a: U<1>): U<2> { return a; }',
  'function gh(g: Grow<string, []>): Grow<number, []> { return g; }',
  'function tu(t: T<1>): T<2> { return t; }',
  'void [ab, gh, tu];',
  'export default () => ({ ok: 3 });',
  '',
].join('\n');

const BOMBS = [
  { name: 'bomb_union_distribution', code: unionDistribution(60, 16) },
  { name: 'bomb_nested_generics', code: nestedGenerics(200_000, 30) },
  { name: 'bomb_self_reference', code: SELF_REFERENCE },
];

interface WriteOut {
  saved?: boolean;
  diagnostics?: Array<{ code: number }>;
  diagnostics_pending?: boolean;
  diagnostics_note?: string;
}

it('type bombs are saved and answered in time, the server answers meanwhile, and the checker comes back', async () => {
  const outcomes: string[] = [];
  let worstGrowthMb = 0;
  let slowestAnswerMs = 0;
  let slowestNeighbourMs = 0;
  for (const bomb of BOMBS) {
    const before = rssOf(server.serverPid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(server.serverPid))), 10);
    // Calls of another tool go on while the checker chews: each must be answered.
    let writing = true;
    const neighbour: number[] = [];
    const m = await measure(server, async () => {
      const loop = (async () => {
        while (writing) {
          const t0 = performance.now();
          const out = await server.call(HEALTHY_TOOL, { n: 2 });
          expect(out.structuredContent, textOf(out)).toMatchObject({ status: 'SUCCESS', result: { doubled: 4 } });
          neighbour.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const t0 = performance.now();
      const created = await server.createTool(bomb.name, bomb.code);
      const answerMs = performance.now() - t0;
      writing = false;
      await loop;
      return { created, answerMs };
    });
    clearInterval(sampler);
    const { created, answerMs } = m.value;
    const out = (created.structuredContent ?? {}) as WriteOut;
    expect(created.isError, textOf(created)).toBeFalsy();
    expect(out.saved).toBe(true);
    // Diagnostics, or none with a note that says why.
    if (out.diagnostics === undefined) expect(out.diagnostics_note, textOf(created)).toMatch(/^(Types were not checked|The type checker had not answered)/);
    outcomes.push(`${bomb.name}: ${out.diagnostics !== undefined ? `${out.diagnostics.length} diagnostics` : (out.diagnostics_note ?? '').slice(0, 80)} in ${answerMs.toFixed(0)} ms`);

    // Saved and answered within the checker's answer wait, plus compiling and the round trip.
    expect(answerMs, `create answered (machine noise ${m.noiseMs.toFixed(0)} ms)`).toBeLessThanOrEqual(CHECKER.answerWaitMs + loadedBound(2_000, m.noiseMs));
    expect(neighbour.length, 'calls of another tool answered while the checker worked').toBeGreaterThan(0);
    expect(Math.max(...neighbour), 'slowest neighbouring call').toBeLessThanOrEqual(loadedBound(1_000, m.noiseMs));
    expect(m.worstStallMs, `server event-loop stall (machine noise ${m.noiseMs.toFixed(0)} ms)`).toBeLessThanOrEqual(stallBound(m.noiseMs));
    // The worker's heap limit bounds what the server process holds for it: the old generation
    // (memoryMb) plus young generation, code and TypeScript's own modules.
    const growthMb = (peak - before) / MB;
    expect(growthMb, `server RSS growth during the check (from ${(before / MB).toFixed(0)} MB)`).toBeLessThanOrEqual(2 * CHECKER.memoryMb + 64);
    worstGrowthMb = Math.max(worstGrowthMb, growthMb);
    slowestAnswerMs = Math.max(slowestAnswerMs, answerMs);
    slowestNeighbourMs = Math.max(slowestNeighbourMs, ...neighbour);
    // The version is live and runs: a bomb in the types is not one in the code.
    const ran = await server.call(bomb.name, {});
    expect(ran.structuredContent, textOf(ran)).toMatchObject({ status: 'SUCCESS' });
  }
  // At least one bomb took the worker past its deadline or its heap, and it was replaced.
  expect(server.stderr()).toMatch(/type checker worker replaced/);

  // A plain tool with a type error gets its diagnostic again, from a fresh worker: in the
  // answer, or (if the fresh worker was still loading TypeScript) from get_tool soon after.
  const plain = 'export default (args: { n: number }) => ({ s: args.n.toUpperCase() });\n';
  const made = await server.createTool('after_the_bombs', plain);
  expect(made.isError, textOf(made)).toBeFalsy();
  let codes = ((made.structuredContent ?? {}) as WriteOut).diagnostics?.map((d) => d.code);
  for (const deadline = Date.now() + 30_000; codes === undefined && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 200));
    const tool = (await server.call('get_tool', { name: 'after_the_bombs' })).structuredContent as WriteOut;
    codes = tool.diagnostics?.map((d) => d.code);
  }
  expect(codes).toEqual([2339]);

  const replaced = (server.stderr().match(/type checker worker replaced/g) ?? []).length;
  await expectContained(server, {
    note: `${BOMBS.length} type bombs (${outcomes.join('; ')}); checker worker replaced ${replaced} times; server RSS grew at most ${worstGrowthMb.toFixed(0)} MB (heap limit ${CHECKER.memoryMb} MB); slowest answer ${slowestAnswerMs.toFixed(0)} ms, slowest neighbouring call ${slowestNeighbourMs.toFixed(0)} ms; a plain create afterwards got its diagnostic`,
  });
}, 120_000);
