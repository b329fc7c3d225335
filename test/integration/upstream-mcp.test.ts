import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// Upstream MCP servers (issue 15, item 4), against a real MCP server nobody here wrote:
// @modelcontextprotocol/server-everything, started by the engine over stdio.
const EVERYTHING = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
const SECRET = 'upstream-canary-4f1d9a2c77';

let engine: TestEngine;
let scope: PersonaScope;
let flakyFlag: string;
let cleanup = (): void => undefined;

beforeAll(async () => {
  // Exits at its first start (as a crashed server would), runs the real server from then on.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-upstream-'));
  cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  flakyFlag = path.join(dir, 'started-once');
  const flaky = path.join(dir, 'flaky.mjs');
  fs.writeFileSync(flaky, `import fs from 'node:fs';\nif (!fs.existsSync(${JSON.stringify(flakyFlag)})) { fs.writeFileSync(${JSON.stringify(flakyFlag)}, ''); process.exit(1); }\nprocess.argv.push('stdio');\nawait import(${JSON.stringify(EVERYTHING)});\n`);
  engine = await startEngine(
    {
      secrets: { UP_TOKEN: { env: 'TEST_UP_TOKEN', hosts: ['example.invalid'] } },
      upstreams: {
        everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], env: { CHAMELEON_TEST_KEY: { secret: 'UP_TOKEN' } } },
        flaky: { command: process.execPath, args: [flaky] },
      },
    },
    { secretEnv: { TEST_UP_TOKEN: SECRET } },
  );
  scope = engine.app.forPersona('default');
});
afterAll(async () => {
  await engine.close();
  cleanup();
});

async function tool(name: string, code: string, capabilities: Record<string, unknown> = { mcp: ['everything'] }, timeoutMs = 10_000): Promise<void> {
  const made = await scope.createTool({ name, description: name, code, capabilities, timeoutMs });
  if (!made.ok) throw new Error(`${name}: ${made.failure.message}`);
}

describe('ctx.mcp', () => {
  it('calls a tool of the upstream and gets its content back as JSON', async () => {
    await tool('echo', 'export default async (a: { m: string }, ctx: any) => await ctx.mcp.everything.callTool("echo", { message: a.m });');
    const out = await scope.runTool('echo', { m: 'hello upstream' });
    expect(out).toMatchObject({ ok: true, result: [{ type: 'text', text: 'Echo: hello upstream' }] });
    if (!out.ok) return;
    expect((await scope.getExecution(out.executionId)).effects).toEqual([{ op: 'mcp.call', server: 'everything', tool: 'echo', status: 'ok', ms: expect.any(Number) }]);
  }, 30_000);

  it('returns structuredContent when the upstream gives it, and lists the upstream tools', async () => {
    await tool('weather', 'export default async (_a: unknown, ctx: any) => ({ s: await ctx.mcp.everything.callTool("get-structured-content", { location: "Chicago" }), n: (await ctx.mcp.everything.listTools()).length });');
    const out = await scope.runTool('weather', {});
    expect(out).toMatchObject({ ok: true });
    if (!out.ok) return;
    const { s, n } = out.result as { s: Record<string, unknown>; n: number };
    expect(Object.keys(s).length).toBeGreaterThan(0);
    expect(JSON.stringify(s)).not.toContain('"type":"text"');
    expect(n).toBeGreaterThan(5);
  });

  it('declares ctx.mcp for the agent from the tools the upstream lists, with their argument types', async () => {
    const declaration = await scope.mcpDeclaration('echo');
    expect(declaration).toContain('interface Mcp {');
    expect(declaration).toContain('  everything: {');
    expect(declaration).toMatch(/callTool\(name: "echo", args: \{[^}]*message: string;?[^}]*\}\): Promise<unknown>;/s);
    expect(declaration).toMatch(/callTool\(name: "get-sum", args: \{[^}]*a: number;[^}]*b: number;?[^}]*\}\)/s);
  });

  it("throws an upstream tool's error at the line that called it", async () => {
    await tool('missing', 'export default async (_a: unknown, ctx: any) => {\n  const x = 1;\n  return await ctx.mcp.everything.callTool("no-such-tool", { x });\n};');
    const out = await scope.runTool('missing', {});
    expect(out).toMatchObject({ ok: false, failure: { kind: 'exception', name: 'McpToolError' } });
    if (out.ok) return;
    expect(out.failure.message).toMatch(/ctx\.mcp\.everything\.callTool\("no-such-tool"\) failed: .*not found/);
    expect(out.failure.frames[0]).toMatchObject({ tool: 'missing', line: 3 });
  });

  it("refuses an upstream the tool did not declare, at the agent's line, saying what to add", async () => {
    await tool('sneaky', 'export default async (_a: unknown, ctx: any) => {\n  return await ctx.mcp.call("everything", "echo", { message: "x" });\n};', {});
    const out = await scope.runTool('sneaky', {});
    expect(out).toMatchObject({ ok: false, failure: { name: 'CapabilityError' } });
    if (out.ok) return;
    expect(out.failure.message).toMatch(/ctx\.mcp\.everything is not available to tool sneaky: add "everything" to its capabilities\.mcp/);
    expect(out.failure.frames[0]).toMatchObject({ line: 2 });
  });

  it('refuses at create an upstream the server does not have', async () => {
    const refused = await scope.createTool({ name: 'nope', description: 'd', code: 'export default () => 1;', capabilities: { mcp: ['github'] } }).catch((e: unknown) => e);
    expect(isAppError(refused) && refused.code).toBe('CAPABILITY_REFUSED');
    expect((refused as Error).message).toMatch(/github is not an upstream MCP server this server has \(it has: everything, flaky\)/);
  });

  it("never hands a tool the secrets given to the upstream, even when the upstream reports its environment", async () => {
    await tool('env', 'export default async (_a: unknown, ctx: any) => JSON.stringify(await ctx.mcp.everything.callTool("get-env", {}));');
    const out = await scope.runTool('env', {});
    expect(out).toMatchObject({ ok: true });
    if (!out.ok) return;
    // The upstream did get it (the variable is listed), but its value crossed as the placeholder.
    expect(out.result as string).toContain('CHAMELEON_TEST_KEY');
    expect(out.result as string).toContain('{{chameleon-secret:UP_TOKEN}}');
    expect(JSON.stringify(out)).not.toContain(SECRET);
    expect(JSON.stringify(await scope.getExecution(out.executionId))).not.toContain(SECRET);
  });

  it("stops a call that waits on a slow upstream at the caller's deadline, and the next call works", async () => {
    await tool('slow', 'export default async (_a: unknown, ctx: any) => await ctx.mcp.everything.callTool("trigger-long-running-operation", { duration: 20, steps: 2 });', { mcp: ['everything'] }, 1_000);
    const t0 = performance.now();
    const out = await scope.runTool('slow', {});
    expect(out.ok).toBe(false);
    expect(performance.now() - t0).toBeLessThan(8_000);
    expect(await scope.runTool('echo', { m: 'still here' })).toMatchObject({ ok: true, result: [{ text: 'Echo: still here' }] });
  }, 30_000);

  it('starts an upstream again after it failed', async () => {
    await tool('flaky_echo', 'export default async (_a: unknown, ctx: any) => await ctx.mcp.flaky.callTool("echo", { message: "again" });', { mcp: ['flaky'] });
    const first = await scope.runTool('flaky_echo', {});
    expect(first).toMatchObject({ ok: false, failure: { name: 'McpError' } });
    expect(fs.existsSync(flakyFlag)).toBe(true);
    const second = await scope.runTool('flaky_echo', {});
    expect(second).toMatchObject({ ok: true, result: [{ text: 'Echo: again' }] });
  }, 30_000);
});
