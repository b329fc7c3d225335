import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.js';
import { silentLogger } from '../../src/logger.js';
import { callMetaJson } from '../../src/sandbox-host/protocol.js';
import { SandboxPool, type CallHost } from '../../src/sandbox-host/supervisor.js';
import { virtualFilename } from '../../src/traceback/virtual-filename.js';

// The channel a tool's capabilities travel (issue 14): the prelude asks, the sandbox process
// forwards over IPC, the supervisor hands the request to the call's host in the server process,
// and the answer is delivered back into the realm as a wake-up of the call. These tests drive
// real sandbox processes through the pool with hosts written here; what fetch and kv do with a
// request is tested with the real server elsewhere.
let pool: SandboxPool;

beforeAll(() => {
  pool = new SandboxPool({
    processes: 1,
    parallelCallsPerTool: 2,
    maxWaitingCallsPerTool: 16,
    killGraceMs: 200,
    rssFactor: 4,
    maxIsolatesPerProcess: 16,
    spareMemoryMb: 64,
    logger: silentLogger,
  });
});
afterAll(() => pool.close());

let version = 0;
async function run(source: string, host: CallHost | undefined, timeoutMs = 2_000): Promise<{ envelope: Record<string, unknown> | null; fault: string | null }> {
  const name = 'channel';
  const v = ++version;
  const compiled = await compile({ toolName: name, version: v, language: 'typescript', source });
  if (!compiled.ok) throw new Error(compiled.failure.message);
  const reply = await pool.run(
    {
      isolateKey: `test/${name}`,
      scriptKey: `test/${name}@${v}`,
      filename: virtualFilename('test', name, v),
      compiledJs: compiled.compiledJs,
      memoryMb: 64,
      timeoutMs,
      argsJson: '{}',
      metaJson: callMetaJson({ persona: 'test', tool: { name, version: v }, maxResultChars: 100_000, maxConsoleChars: 10_000, probe: false }),
      executionId: `e${v}`,
    },
    host,
  );
  return { envelope: reply.envelope === null ? null : (JSON.parse(reply.envelope) as Record<string, unknown>), fault: reply.fault?.kind ?? null };
}

/** A host that answers kv.get with what `answer` says, recording what it was asked. */
function recordingHost(answer: (op: string, body: string) => { ok: boolean; body: string } | Promise<{ ok: boolean; body: string }>) {
  const asked: Array<{ op: string; body: string }> = [];
  const host: CallHost = {
    request: async (op, body) => {
      asked.push({ op, body });
      return answer(op, body);
    },
  };
  return { host, asked };
}

describe('the capability channel', () => {
  it('carries a request to the host and its answer back into the call', async () => {
    const { host, asked } = recordingHost(() => ({ ok: true, body: JSON.stringify({ found: true, value: { n: 41 } }) }));
    const out = await run('export default async (_a: unknown, ctx: any) => { const v = await ctx.kv.get("counter"); return v.n + 1; };', host);
    expect(out.envelope).toMatchObject({ ok: true, result: 42 });
    expect(asked).toEqual([{ op: 'kv.get', body: JSON.stringify({ key: 'counter' }) }]);
  });

  it('throws a refusal at the line of the tool that asked, with the name and message the host gave', async () => {
    const { host } = recordingHost(() => ({ ok: false, body: JSON.stringify({ name: 'KvQuotaError', message: 'too big' }) }));
    const source = ['export default async (_a: unknown, ctx: any) => {', '  const x = 1;', '  await ctx.kv.set("k", { x });', '};'].join('\n');
    const out = await run(source, host);
    const failure = (out.envelope as { failure: { name: string; message: string; stack: string } }).failure;
    expect(failure.name).toBe('KvQuotaError');
    expect(failure.message).toBe('too big');
    // The first frame in the tool's script is the line that asked (compiled JS keeps it here).
    const toolFrame = failure.stack.split('\n').find((l) => l.includes('chameleon/test/channel@'));
    expect(toolFrame).toBeDefined();
    expect(failure.stack.split('\n')[0]).toBe('KvQuotaError: too big');
  });

  it('serves many requests of one call, in flight together', async () => {
    const { host, asked } = recordingHost(async (_op, body) => {
      await new Promise((r) => setTimeout(r, 5));
      const { key } = JSON.parse(body) as { key: string };
      return { ok: true, body: JSON.stringify({ found: true, value: key.length }) };
    });
    const out = await run('export default async (_a: unknown, ctx: any) => (await Promise.all(["a", "bb", "ccc"].map((k) => ctx.kv.get(k)))).join(",");', host);
    expect(out.envelope).toMatchObject({ ok: true, result: '1,2,3' });
    expect(asked).toHaveLength(3);
  });

  it('refuses more requests in flight than a call may have, where the tool asked', async () => {
    const { host } = recordingHost(() => new Promise(() => undefined));
    const out = await run('export default async (_a: unknown, ctx: any) => { for (let i = 0; i < 65; i++) ctx.kv.get("k" + i).catch(() => {}); return await ctx.kv.get("one-too-many"); };', host, 1_000);
    expect(out.envelope).toMatchObject({ ok: false, failure: { name: 'RangeError' } });
    expect(JSON.stringify(out.envelope)).toContain('at most 64 requests');
  });

  it('ends a call whose host never answers at its wall-clock deadline, as any wait', async () => {
    const { host } = recordingHost(() => new Promise(() => undefined));
    const t0 = performance.now();
    const out = await run('export default async (_a: unknown, ctx: any) => await ctx.kv.get("k");', host, 300);
    expect(out.fault).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('keeps the call CPU-limited while it runs on an answer', async () => {
    const { host } = recordingHost(() => ({ ok: true, body: '{"found":false}' }));
    const out = await run('export default async (_a: unknown, ctx: any) => { await ctx.kv.get("k"); for (;;) {} };', host, 300);
    expect(out.fault).toBe('timeout');
  });

  it('fails the call when code run by an answer lets a promise reject unhandled', async () => {
    const { host } = recordingHost(() => ({ ok: true, body: '{"found":false}' }));
    const out = await run(
      'export default async (_a: unknown, ctx: any) => { await new Promise(() => { ctx.kv.get("k").then(() => { void Promise.reject(new Error("nobody handles me")); }); }); };',
      host,
      1_000,
    );
    expect(JSON.stringify(out.envelope)).toContain('nobody handles me');
  });

  it('drops an answer that comes after its call ended, and the next call is not disturbed', async () => {
    let release: (answer: { ok: boolean; body: string }) => void = () => undefined;
    const late = recordingHost(() => new Promise((r) => (release = r)));
    const first = await run('export default (_a: unknown, ctx: any) => { void ctx.kv.get("late").then(() => console.log("late answer ran")); return "done"; };', late.host);
    expect(first.envelope).toMatchObject({ ok: true, result: 'done' });
    const second = run('export default async () => { await new Promise((r) => setTimeout(r, 100)); return "second"; };', undefined);
    release({ ok: true, body: '{"found":false}' });
    const out = await second;
    expect(out.envelope).toMatchObject({ ok: true, result: 'second' });
    expect(JSON.stringify(out.envelope)).not.toContain('late answer ran');
  });

  it('answers a call that has no host with a refusal, not silence', async () => {
    const out = await run('export default async (_a: unknown, ctx: any) => await ctx.kv.get("k");', undefined);
    expect(out.envelope).toMatchObject({ ok: false, failure: { name: 'Error' } });
    expect(JSON.stringify(out.envelope)).toContain('no capabilities');
  });
});
