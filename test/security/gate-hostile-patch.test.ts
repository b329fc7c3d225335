/**
 * Attack (denial of service): a patch whose new version attacks the regression gate that runs
 * it before it goes live (src/service/gate.ts). update_tool replays the active version's recent
 * calls against the new version in the sandbox, so a hostile patch gets its code run by the
 * server without anyone calling it: it spins under its own limit, spins under a limit longer
 * than the gate's whole time, allocates past its memory, or floods the console then throws.
 * What must hold: each update answers within the tool's limits or gate.timeoutMs (plus margin),
 * refused with a report that locates the failure in the agent's lines; no execution row is
 * written for a gate case; the server answers other calls meanwhile within the stall bound;
 * the active version keeps serving. And a gate case's kv writes are not committed, and a
 * version that may fetch is not replayed at all (its requests would really be sent).
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { measure } from './helpers/bounds.js';
import { HEALTHY_TOOL, expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { goodHandler, httpTarget, type HttpTarget } from './helpers/http-target.js';
import { loadedBound, stallBound } from './helpers/noise.js';
import { capabilitiesConfig } from './helpers/capabilities.js';

const GATE_MS = 3_000;
let server: SecurityServer;
let target: HttpTarget;
beforeAll(async () => {
  target = await httpTarget(goodHandler);
  server = await startSecurityServer({ config: { ...capabilitiesConfig({ allow: [target.pattern] }), gate: { timeoutMs: GATE_MS } } });
});
afterAll(async () => {
  await server.close();
  await target.close();
});

const GOOD = 'export default (a: { n: number }) => ({ sq: a.n * a.n });\n';

interface GateOut {
  saved?: boolean;
  active?: boolean;
  refused_by?: string;
  version?: number;
  active_version?: number;
  gate?: {
    passed: boolean;
    replays: number;
    replay_skipped?: string;
    failing: number;
    timed_out: boolean;
    cases: Array<{ status: string; reason?: string; after: { status: string; error?: { kind: string; frames: Array<{ line: number }> } } | null }>;
  };
}

const PATCHES = [
  { name: 'spin', code: 'export default (a: { n: number }) => {\n  while (true) {}\n};\n', limits: { timeout_ms: 500 }, kinds: ['timeout'], lines: [1, 2] },
  // Its own limit is longer than the gate's: the gate's deadline must stop it.
  { name: 'spin past the gate', code: 'export default (a: { n: number }) => {\n  while (true) {}\n};\n', limits: { timeout_ms: 30_000 }, kinds: [], lines: null },
  { name: 'memory', code: 'export default (a: { n: number }) => {\n  const hoard: string[] = [];\n  for (let i = 0; ; i++) hoard.push("x".repeat(1 << 20) + i);\n};\n', limits: { memory_mb: 32, timeout_ms: 5_000 }, kinds: ['memory'], lines: null },
  { name: 'console flood', code: 'export default (a: { n: number }) => {\n  for (let i = 0; i < 200_000; i++) console.log("flood " + i + " " + "y".repeat(200));\n  throw new Error("after the flood");\n};\n', limits: { timeout_ms: 5_000 }, kinds: ['exception'], lines: [3] },
];

function executionRows(): number {
  const db = new Database(server.dbPath, { readonly: true });
  try {
    return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM executions').get()!.n;
  } finally {
    db.close();
  }
}

it('hostile patches are refused by the gate within its bounds, located, with no log rows, while the server serves', async () => {
  const created = await server.createTool('gated', GOOD, { timeout_ms: 500 });
  expect(created.isError, textOf(created)).toBeFalsy();
  // On a retry the tool was made afresh and may have another version number.
  const active = ((created.structuredContent ?? {}) as { version: number }).version;
  for (const n of [1, 2, 3, 4]) expect((await server.call('gated', { n })).structuredContent).toMatchObject({ status: 'SUCCESS' });
  const figures: string[] = [];
  let worstStall = 0;
  for (const patch of PATCHES) {
    const rowsBefore = executionRows();
    let updating = true;
    const neighbour: number[] = [];
    const m = await measure(server, async () => {
      const loop = (async () => {
        while (updating) {
          const t0 = performance.now();
          const out = await server.call(HEALTHY_TOOL, { n: 3 });
          expect(out.structuredContent, textOf(out)).toMatchObject({ status: 'SUCCESS', result: { doubled: 6 } });
          neighbour.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const t0 = performance.now();
      // The neighbour's calls are rows of their own: count them apart from the gate's.
      const out = await server.call('update_tool', { name: 'gated', code: patch.code, ...patch.limits });
      const ms = performance.now() - t0;
      updating = false;
      await loop;
      return { out, ms };
    });
    const { out, ms } = m.value;
    const report = (out.structuredContent ?? {}) as GateOut;
    expect(out.isError, textOf(out)).toBe(true);
    expect(report, textOf(out)).toMatchObject({ saved: true, active: false, refused_by: 'gate', active_version: active, gate: { passed: false, replays: 4 } });
    const cases = report.gate!.cases;
    if (patch.kinds.length === 0) {
      // Cut by the gate's time: not_run, and the report says so.
      expect(report.gate!.timed_out).toBe(true);
      expect(cases.some((c) => c.status === 'not_run' && /gate's time ran out/.test(c.reason ?? ''))).toBe(true);
    } else {
      for (const c of cases.filter((x) => x.status === 'failed')) expect(patch.kinds).toContain(c.after?.error?.kind);
      // Located in the agent's lines (a timeout is located once its version is sampled: from its second case on).
      if (patch.lines !== null) expect(cases.some((c) => patch.lines.includes(c.after?.error?.frames[0]?.line ?? 0)), textOf(out)).toBe(true);
    }
    // Within the gate's time (the tool's limit is shorter in all but one), plus the answer's own cost.
    expect(ms, `update answered (machine noise ${m.noiseMs.toFixed(0)} ms)`).toBeLessThanOrEqual(GATE_MS + loadedBound(2_000, m.noiseMs));
    // The console flood's report stays small: it carries the failure, not the output.
    expect(textOf(out).length).toBeLessThan(20_000);
    // No execution row for any gate case: only the neighbour's calls were logged.
    expect(executionRows() - rowsBefore, 'rows written during the update').toBe(neighbour.length);
    expect(neighbour.length, 'another tool was answered during the gate').toBeGreaterThan(0);
    expect(m.worstStallMs, `server event-loop stall (machine noise ${m.noiseMs.toFixed(0)} ms)`).toBeLessThanOrEqual(stallBound(m.noiseMs));
    worstStall = Math.max(worstStall, m.worstStallMs);
    // The active version keeps serving (arguments already replayed: no new case for the next patch).
    expect((await server.call('gated', { n: 2 })).structuredContent).toMatchObject({ status: 'SUCCESS', version: active, result: { sq: 4 } });
    figures.push(`${patch.name}: refused in ${ms.toFixed(0)} ms (${cases.map((c) => c.after?.error?.kind ?? c.status).join(',')})`);
  }
  const last = await server.call('get_last_error', { tool_name: 'gated' });
  expect(textOf(last)).not.toMatch(/after the flood|while \(true\)/);
  await expectContained(server, { note: `${PATCHES.length} hostile patches, 4 replays each, gate.timeoutMs ${GATE_MS}: ${figures.join('; ')}; 0 execution rows for gate cases; worst stall ${worstStall.toFixed(1)} ms` });
}, 120_000);

it("a gate case's kv writes are not committed, and a version that may fetch is not replayed", async () => {
  const reader = 'export default async (a: { n: number }, ctx: any) => ({ seen: (await ctx.kv.get("planted")) ?? null });\n';
  expect((await server.createTool('gated_kv', reader, { capabilities: { kv: 'tool' } })).isError).toBeFalsy();
  expect((await server.call('gated_kv', { n: 1 })).structuredContent).toMatchObject({ status: 'SUCCESS', result: { seen: null } });
  // Writes, then answers as the active version did: the replay passes and the version goes live.
  const writer = 'export default async (a: { n: number }, ctx: any) => {\n  await ctx.kv.set("planted", "by the gate");\n  return { seen: null };\n};\n';
  const updated = await server.call('update_tool', { name: 'gated_kv', code: writer });
  expect(updated.structuredContent, textOf(updated)).toMatchObject({ saved: true, version: 2, gate: { passed: true, replays: 1 } });
  const db = new Database(server.dbPath, { readonly: true });
  try {
    expect(db.prepare("SELECT count(*) AS n FROM kv WHERE key = 'planted'").get()).toEqual({ n: 0 });
  } finally {
    db.close();
  }
  expect((await server.call('rollback_tool', { name: 'gated_kv', version: 1 })).isError).toBeFalsy();
  expect((await server.call('gated_kv', { n: 1 })).structuredContent).toMatchObject({ status: 'SUCCESS', result: { seen: null } });

  // fetch: v1 fetches the target once when called; v2 would fetch another path. The gate must
  // not send it (replays skipped unless replay_safe), so the target never sees that path.
  const v1 = `export default async (a: { n: number }) => ({ status: (await fetch(${JSON.stringify(target.url('/agent'))})).status });\n`;
  expect((await server.createTool('gated_fetch', v1, { capabilities: { fetch: [target.pattern] } })).isError).toBeFalsy();
  expect((await server.call('gated_fetch', { n: 1 })).structuredContent).toMatchObject({ status: 'SUCCESS', result: { status: 200 } });
  const v2 = v1.replace('/agent', '/from-the-gate');
  const fetched = await server.call('update_tool', { name: 'gated_fetch', code: v2 });
  const report = (fetched.structuredContent ?? {}) as GateOut;
  expect(report.gate?.replays, textOf(fetched)).toBe(0);
  expect(report.gate?.replay_skipped).toMatch(/capabilities \(fetch\) reach outside the server/);
  expect(target.received.map((r) => r.url)).toEqual(['/agent']);
  await expectContained(server, { note: "a gate case's kv write: 0 rows committed; a fetching version: 0 replays, 0 requests sent" });
}, 60_000);
