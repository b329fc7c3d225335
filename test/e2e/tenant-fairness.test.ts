/**
 * Fairness between tenants (issue 19): one tenant floods the server (six callers back to back,
 * 3x its concurrent-call quota, then past its calls-per-minute quota) while
 * another makes the same calls it made unloaded a moment before, in the same test. Its median
 * latency must stay within 2x of the unloaded one; both figures are printed.
 *
 * Raw HTTP sessions (node:http, no SDK client) keep the test process's own cost per message
 * small, so that what is measured is the server's.
 */
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT, startHttpServer, type Spawned } from './helpers/cli.js';
import { openRawSession, type RawSession } from './helpers/raw-session.js';
import { writeTenantConfig } from './helpers/tenants.js';
import { suiteTempDir } from './helpers/temp.js';

const FLOOD_CALLERS = 6;
const CONCURRENT_QUOTA = 2;
const RATE_QUOTA = 30;
const SAMPLES = 30;
const ROUNDS = 4;
const FLOOD_SCRIPT = path.join(ROOT, 'test', 'fixtures', 'tenant-flood.mjs');

type CallResult = { isError?: boolean; structuredContent?: { error?: { code: string; message: string } } };

describe('tenant fairness', () => {
  const { dir, remove } = suiteTempDir();
  let server: Spawned & { url: string };
  let tokens: Record<string, string>;
  const sessions: RawSession[] = [];
  const children: ChildProcess[] = [];
  const open = async (tenant: string) => {
    const session = await openRawSession(server.url, { authorization: `Bearer ${tokens[tenant]!}` });
    sessions.push(session);
    return session;
  };

  beforeAll(async () => {
    ({ tokens } = writeTenantConfig(dir, {
      flood: { quotas: { concurrentCalls: CONCURRENT_QUOTA, callsPerMinute: RATE_QUOTA } },
      calm: {},
    }));
    server = await startHttpServer({ db: path.join(dir, 'c.db'), args: ['--config', path.join(dir, 'config.json')] });
  });
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    server?.kill();
    remove();
  });

  it("one tenant's flood leaves another's median latency within 2x of unloaded", async () => {
    const calm = await open('calm');
    const create = (s: RawSession, code: string) => s.request<CallResult>('tools/call', { name: 'create_tool', arguments: { name: 'work', description: 'd', code } });
    expect((await create(calm, 'export default (a: { n: number }) => a.n + 1;')).isError).toBeFalsy();
    // The flood's calls hold their places a while: what the concurrent-call quota is for.
    expect((await create(await open('flood'), 'export default async () => { await new Promise((r) => setTimeout(r, 20)); return 1; };')).isError).toBeFalsy();

    const calmCall = async (n: number) => {
      const started = performance.now();
      const result = await calm.request<CallResult>('tools/call', { name: 'work', arguments: { n } });
      expect(result.isError, JSON.stringify(result)).toBeFalsy();
      return performance.now() - started;
    };
    for (let i = 0; i < 20; i++) await calmCall(i); // warm: the tool's isolate, the session, the JIT

    // The flood runs in a process of its own, as another tenant's agent would.
    const flood = spawn(process.execPath, [FLOOD_SCRIPT, server.url, tokens['flood']!, String(FLOOD_CALLERS), 'work'], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(flood);
    let floodOut = '';
    let floodErr = '';
    flood.stdout.setEncoding('utf8').on('data', (c: string) => (floodOut += c));
    flood.stderr.setEncoding('utf8').on('data', (c: string) => (floodErr += c));
    const floodExit = new Promise((resolve) => flood.once('exit', resolve));
    const said = async (word: string, times: number) => vi.waitFor(() => expect(floodErr.split('\n').filter((l) => l === word).length).toBe(times), { timeout: 10_000, interval: 10 });
    await said('ready', 1);

    // Unloaded and flooded windows alternate, so that the machine's own noise (other processes
    // on its 2 cores) weighs on both alike. The first flood spends the RATE_QUOTA calls of its minute
    // (admitted 2 at a time, the rest refused as concurrentCalls); later ones are all refused
    // as callsPerMinute: the hammering.
    const unloaded: number[] = [];
    const loaded: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (let i = 0; i < SAMPLES; i++) unloaded.push(await calmCall(i));
      flood.stdin.write('go\n');
      await said('going', round);
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < SAMPLES; i++) loaded.push(await calmCall(i));
      flood.stdin.write('pause\n');
      await said('paused', round);
    }
    flood.stdin.write('end\n');
    await floodExit;
    const unloadedMs = median(unloaded);
    const loadedMs = median(loaded);
    const { admitted, refused, other } = JSON.parse(floodOut) as { admitted: number; refused: Record<string, number>; other: number };

    const floodRequests = admitted + other + Object.values(refused).reduce((a, b) => a + b, 0);
    console.log(
      `tenant fairness: calm median ${unloadedMs.toFixed(2)} ms unloaded, ${loadedMs.toFixed(2)} ms while flooded (${(loadedMs / unloadedMs).toFixed(2)}x); ` +
        `flood: ${floodRequests} calls from ${FLOOD_CALLERS} callers, ${admitted} admitted, refused ${JSON.stringify(refused)}`,
    );
    expect(other).toBe(0);
    const refusals = new Map(Object.entries(refused));
    expect(admitted).toBeLessThanOrEqual(RATE_QUOTA);
    expect(refusals.get('concurrentCalls') ?? 0).toBeGreaterThan(0);
    expect(refusals.get('callsPerMinute') ?? 0).toBeGreaterThan(0);
    expect(loadedMs).toBeLessThanOrEqual(2 * unloadedMs);
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
