import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeholderFor } from '../../src/capabilities/egress/secrets.js';
import { createStderrLogger } from '../../src/logger.js';
import { exportTools, serializeExport } from '../../src/service/transfer.js';
import { sqliteContract } from '../../src/store/sqlite-contract.js';
import { openStore } from '../../src/store/index.js';
import { createToolFrom, type ToolFixture } from '../helpers/capability-tools.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { allText, connectInMemory, type InMemoryClient } from '../helpers/mcp-client.js';
import { heapForms, memoryHolds } from '../helpers/process-memory.js';
import { runCli } from '../unit/cli/program.js';

// The secret canary's value never reaches anything a tool, an agent or an operator can read
// (issue 14, "Done when"): tools that use it, have it reflected back, log it, store it, throw
// it and send it where it may not go are run through the real MCP server; then every surface
// is searched for the value and its encoded forms. Each search has a control that proves it
// reads real data: the placeholder (or an argument) that is there must be found.
const CANARY = 'canary-Hk4Jd9Qs2Wv7Bn5Xc';
const PLACEHOLDER = placeholderFor('API_TOKEN');

let engine: TestEngine;
let mcp: InMemoryClient;
let home: LoopbackServer;
let other: LoopbackServer;
const logLines: string[] = [];
/** Everything the agent was sent, as text. */
const seenByAgent: string[] = [];

/** The canary as it could be written down: itself, JSON/URL-encoded (the same here), base64 at each alignment. */
function canaryForms(): string[] {
  const base64 = [0, 1, 2].flatMap((offset) => {
    const bytes = Buffer.concat([Buffer.alloc(offset), Buffer.from(CANARY)]);
    return [bytes.toString('base64').slice(4, -4), bytes.toString('base64url').slice(4, -4)];
  });
  return [CANARY, ...base64];
}

function expectNoCanary(where: string, text: string): void {
  for (const form of canaryForms()) expect(text.includes(form), `${where} holds the secret (as ${form})`).toBe(false);
}

const reflecting = (name: string, tail: string[]): ToolFixture => ({
  name,
  capabilities: { fetch: [home.pattern, other.pattern], secrets: ['API_TOKEN'] },
  lines: [
    'export default async ({ url }: { url: string }, ctx: any) => {',
    '  const res = await fetch(url, { headers: { authorization: "Bearer " + ctx.secret("API_TOKEN"), "x-api-key": ctx.secret("API_TOKEN") } });',
    '  const body = await res.text();',
    '  console.log("got", body, JSON.stringify([...res.headers]));',
    ...tail,
    '};',
  ],
});

beforeAll(async () => {
  home = await startLoopbackServer((req, res) => {
    const key = String(req.headers['x-api-key'] ?? '');
    res.setHeader('x-echo', key);
    res.setHeader('set-cookie', `session=${Buffer.from(key).toString('base64')}`);
    res.end(JSON.stringify({ key, auth: req.headers.authorization, base64: Buffer.from(`user:${key}`).toString('base64') }));
  });
  other = await startLoopbackServer((_req, res) => res.end('other'));
  engine = await startEngine(
    {
      capabilities: { fetch: { allow: ['127.0.0.1:*'] } },
      // MISSING_TOKEN has no value: the server says so in its log (the logger's control below).
      secrets: { API_TOKEN: { env: 'TEST_API_TOKEN', hosts: [home.pattern] }, MISSING_TOKEN: { env: 'TEST_MISSING_TOKEN', hosts: [home.pattern] } },
    },
    { secretEnv: { TEST_API_TOKEN: CANARY }, logger: createStderrLogger('debug', (line) => logLines.push(line)) },
  );
  const scope = engine.app.forPersona('default');
  mcp = await connectInMemory(engine);
  await createToolFrom(scope, reflecting('echo_back', ['  await ctx.kv.set("last", { body, headers: [...res.headers] });', '  return { body, headers: [...res.headers] };']));
  await createToolFrom(scope, reflecting('echo_throw', ['  throw new Error("the server said " + body + " with " + res.headers.get("x-echo"));']));
  await createToolFrom(scope, reflecting('echo_reject', ['  await Promise.reject({ body, cookie: res.headers.get("set-cookie") });']));
  const calls: Array<[string, string]> = [
    ['echo_back', home.url('/')],
    ['echo_throw', home.url('/')],
    ['echo_reject', home.url('/')],
    ['echo_back', other.url('/')], // refused: the secret may not go there
  ];
  for (const [name, url] of calls) {
    const out = await mcp.call('run_tool', { name, arguments: { url } });
    seenByAgent.push(allText(out), JSON.stringify(out));
  }
  expect(home.received.length).toBeGreaterThan(0);
  expect(home.received.every((r) => r.headers['x-api-key'] === CANARY)).toBe(true);
  expect(other.received).toEqual([]);
});
afterAll(async () => {
  await mcp.close();
  await engine.close();
  await home.close();
  await other.close();
});

describe('the secret canary', () => {
  it('is in no call result, console, failure or refusal the agent got (the placeholder is)', () => {
    const all = seenByAgent.join('\n');
    expect(all).toContain(PLACEHOLDER);
    expect(all).toContain('the server said');
    expect(all).toMatch(/secret \\?"API_TOKEN\\?" may only be sent to/);
    expectNoCanary('the results of the calls', all);
  });

  it('is in no get_execution, list_executions or get_last_error answer', async () => {
    const listed = await mcp.call('list_executions', { limit: 50 });
    const ids = (listed.structuredContent as { executions: Array<{ execution_id: string }> }).executions.map((e) => e.execution_id);
    expect(ids).toHaveLength(4);
    const answers = [JSON.stringify(listed), JSON.stringify(await mcp.call('get_last_error', {}))];
    for (const name of ['echo_back', 'echo_throw', 'echo_reject']) answers.push(JSON.stringify(await mcp.call('get_last_error', { tool_name: name })));
    for (const id of ids) answers.push(JSON.stringify(await mcp.call('get_execution', { id })));
    expect(answers.join('\n')).toContain(PLACEHOLDER);
    expectNoCanary('the audit answers', answers.join('\n'));
  });

  it('is nowhere in the database file or its WAL, byte for byte, nor in what chameleon kv and logs print', async () => {
    const files = [engine.dbPath, `${engine.dbPath}-wal`, `${engine.dbPath}-shm`].filter((f) => fs.existsSync(f));
    const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f)));
    // The control: the kv value holds the reflected response, with the placeholder.
    expect(bytes.includes(Buffer.from(PLACEHOLDER))).toBe(true);
    for (const form of canaryForms()) for (const encoded of heapForms(form)) expect(bytes.includes(encoded), `the database holds ${form}`).toBe(false);
    const kv = await runCli(['kv', 'get', 'last', '--tool', 'echo_back', '--db', engine.dbPath]);
    const logs = await runCli(['logs', '--db', engine.dbPath, '--limit', '50']);
    expect(kv.rt.out()).toContain(PLACEHOLDER);
    expectNoCanary('chameleon kv get', kv.rt.out());
    expectNoCanary('chameleon logs', logs.rt.out() + logs.rt.err());
  });

  it('is in no export of the tools, by the service or by chameleon tools export', async () => {
    const store = openStore(engine.dbPath);
    let exported: string;
    try {
      exported = serializeExport(await exportTools(sqliteContract(store), 'default'));
    } finally {
      store.close();
    }
    expect(exported).toContain('API_TOKEN');
    expectNoCanary('the export', exported);
    const cli = await runCli(['tools', 'export', '--db', engine.dbPath]);
    expect(cli.rt.out()).toContain('echo_back');
    expectNoCanary('chameleon tools export', cli.rt.out());
  });

  it("is in none of the server's log lines", () => {
    expect(logLines.join('')).toContain('TEST_MISSING_TOKEN is not set');
    expectNoCanary('the server log', logLines.join(''));
  });

  it("is nowhere in the sandbox process's memory, where the placeholder and a call's arguments are", async () => {
    const marker = `argument-marker-${Date.now()}`;
    await mcp.call('run_tool', { name: 'echo_back', arguments: { url: home.url(`/${marker}`) } });
    const pids = engine.app.sandboxPids();
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) {
      const needles = [...heapForms(PLACEHOLDER), ...heapForms(marker), ...canaryForms().flatMap(heapForms)];
      const { found, bytesRead } = memoryHolds(pid, needles);
      expect(bytesRead).toBeGreaterThan(10 * 1024 * 1024);
      expect(found.slice(0, 2).some(Boolean), 'the placeholder (control)').toBe(true);
      expect(found.slice(2, 4).some(Boolean), 'the argument (control)').toBe(true);
      expect(found.slice(4).some(Boolean), 'the secret').toBe(false);
    }
  });
});
