import { afterAll, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.js';
import { silentLogger } from '../../src/logger.js';
import { SandboxPool, type JobInput } from '../../src/sandbox-host/supervisor.js';

// A pool starts one sandbox process, and the others ~0.5 s after it is ready
// (src/sandbox-host/supervisor.ts). Calls made before then run in the one that is starting,
// whatever process their tool belongs to, instead of each starting another node process.
let pool: SandboxPool | null = null;
afterAll(() => pool?.close());

async function job(tool: string): Promise<JobInput> {
  const built = await compile({ toolName: tool, version: 1, language: 'typescript', source: `export default () => '${tool}';` });
  if (!built.ok) throw new Error(built.failure.message);
  return {
    isolateKey: `default/${tool}`,
    scriptKey: `default/${tool}@1#test`,
    filename: `chameleon/default/${tool}@1.js`,
    compiledJs: built.compiledJs,
    memoryMb: 64,
    timeoutMs: 2_000,
    argsJson: '{}',
    metaJson: JSON.stringify({ persona: 'default', tool: { name: tool, version: 1 }, maxResultChars: 4096, maxConsoleChars: 4096, probe: false }),
    executionId: `ex_${tool}`,
  };
}

it("runs a fresh pool's first calls in its first process, then starts the others", async () => {
  // Eight tools: with four processes, all but ~1 in 4^8 draws have tools of other processes.
  const jobs = await Promise.all(Array.from({ length: 8 }, (_, i) => job(`early_${i}`)));
  // Calls right after the pool starts: its first process is not even ready yet. run() picks
  // (and would start) a process synchronously, so nothing else may have started.
  const started = new SandboxPool({ processes: 4, killGraceMs: 100, rssFactor: 4, maxIsolatesPerProcess: 8, parallelCallsPerTool: 2, maxWaitingCallsPerTool: 64, spareMemoryMb: 64, logger: silentLogger });
  pool = started;
  const first = started.pids();
  expect(first).toHaveLength(1);
  const replies = jobs.map((j) => started.run(j));
  expect(started.pids()).toEqual(first);
  for (const [i, reply] of (await Promise.all(replies)).entries()) expect(reply.envelope).toContain(`"result":"early_${i}"`);
  // The rest start on their own, and the tools then run in their own processes.
  const deadline = Date.now() + 20_000;
  while (started.pids().length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(started.pids()).toHaveLength(4);
  for (const [i, reply] of (await Promise.all(jobs.map((j) => started.run(j)))).entries()) expect(reply.envelope).toContain(`"result":"early_${i}"`);
});
