// Warm MCP calls over HTTP against the same over stdio (issue 19): the same stored tool `add`,
// on one SQLite file, the SDK's client on both sides, interleaved round by round. Then the SDK's
// HTTP transport alone: a bare SDK server with a static no-op tool in each of the SDK's modes,
// against a JSON-RPC answer written by node:http with no MCP library (the floor).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../lib/env.mjs';
import { ADD_ARGS, ADD_SCHEMA, TOOLS, tempDir } from '../lib/engine.mjs';
import { connectHttp, connectStdio, spawnHttpServer } from '../lib/mcp-client.mjs';

/** The HTTP settings of each Chameleon variant (config `http`). */
const CHAMELEON_HTTP = [
  ['sessions-fast', 'serve --http, sessions, fast path (the default)', {}],
  ['sessions-sdk', "serve --http, sessions, the SDK's transport (before issue 19)", { fastPath: false }],
  ['stateless-fast', 'serve --http, stateless, fast path', { stateless: true }],
  ['stateless-sdk', "serve --http, stateless, the SDK's transport per request", { stateless: true, fastPath: false }],
];
const NOOP_MODES = [
  ['stateful-sse', "SDK transport, sessions, SSE answers (SDK default)"],
  ['stateful-json', 'SDK transport, sessions, enableJsonResponse'],
  ['stateless-sse', 'SDK transport, stateless (server + transport per request), SSE'],
  ['stateless-json', 'SDK transport, stateless, enableJsonResponse'],
];

const listening = (output) => /listening on (http:\/\/\S+)/.exec(output)?.[1];
const firstLine = (output) => /^(http:\/\/\S+)\n/.exec(output)?.[1];

export async function httpFigures({ runGroup, profile, code }) {
  const dir = tempDir('http');
  const db = path.join(dir, 'chameleon.db');
  const closers = [];
  const sequential = (id, label, client, tool) => ({
    id,
    label,
    async run(batch) {
      for (let i = 0; i < batch; i++) await client.call(tool, ADD_ARGS);
    },
  });
  try {
    const stdio = await connectStdio([code.bin, 'serve', '--db', db, '--persona', 'bench', '--log-level', 'warn']);
    closers.push(() => stdio.close());
    await stdio.call('create_tool', { name: 'add', description: 'Adds two numbers.', code: TOOLS.add, input_schema: ADD_SCHEMA });
    const variants = [];
    for (const [id, label, http] of CHAMELEON_HTTP) {
      const config = path.join(dir, `${id}.json`);
      fs.writeFileSync(config, JSON.stringify({ http }));
      const server = await spawnHttpServer([code.bin, 'serve', '--db', db, '--persona', 'bench', '--http', '127.0.0.1:0', '--config', config], listening);
      closers.push(() => server.kill());
      const client = await connectHttp(server.url);
      closers.push(() => client.close());
      variants.push({ ...sequential(id, label, client, 'add'), client });
    }
    for (const client of [stdio, ...variants.map((v) => v.client)]) for (let i = 0; i < 50; i++) await client.call('add', ADD_ARGS);
    const warm = await runGroup({
      id: 'http-warm',
      title: 'warm call over HTTP vs over stdio (stored tool `add`, logged; SDK client; same SQLite file)',
      baseline: sequential('stdio', 'chameleon serve over stdio', stdio, 'add'),
      variants: variants.map(({ client: _client, ...v }) => v),
      ...profile.standard,
      note: 'Each HTTP variant is its own `serve --http` process (config http.stateless / http.fastPath) on the same database as the stdio server; the SDK client (StreamableHTTPClientTransport, fetch) on one keep-alive connection.',
    });

    const noop = await connectStdio([path.join(ROOT, 'scripts/bench/servers/noop-mcp-server.mjs')]);
    closers.push(() => noop.close());
    const noopVariants = [];
    for (const [mode, label] of [...NOOP_MODES, ['raw', 'no MCP library: node:http writes the JSON-RPC answer']]) {
      const server = await spawnHttpServer([path.join(ROOT, 'scripts/bench/servers/noop-http-server.mjs'), mode], firstLine);
      closers.push(() => server.kill());
      const client = await connectHttp(server.url);
      closers.push(() => client.close());
      for (let i = 0; i < 50; i++) await client.call('noop', ADD_ARGS);
      noopVariants.push(sequential(`noop-${mode}`, label, client, 'noop'));
    }
    const transport = await runGroup({
      id: 'http-transport',
      title: "the SDK's HTTP transport alone: a bare SDK server's static no-op tool over HTTP vs over stdio (SDK client)",
      baseline: sequential('noop-stdio', 'bare SDK server over stdio', noop, 'noop'),
      variants: noopVariants,
      ...profile.standard,
      note: 'scripts/bench/servers/noop-http-server.mjs; the raw line is the floor of an HTTP round trip with the SDK client on this machine.',
    });
    return [warm, transport];
  } finally {
    for (const close of closers.reverse()) await Promise.resolve().then(close).catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
