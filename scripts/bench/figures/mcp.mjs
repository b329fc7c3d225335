// Warm MCP calls over stdio, one at a time and 16 in flight: `chameleon serve` (spawned as a
// client would, through bin/chameleon.js) against a bare SDK server with a static no-op tool.
import path from 'node:path';
import { ROOT } from '../lib/env.mjs';
import { ADD_ARGS, ADD_SCHEMA, TOOLS, tempDir } from '../lib/engine.mjs';
import { connectStdio, inFlight } from '../lib/mcp-client.mjs';
import fs from 'node:fs';

const NOOP_NOTE =
  'Baseline: a separate bare SDK stdio server (scripts/bench/servers/noop-mcp-server.mjs) with a static no-op tool; ' +
  "Chameleon's server factory owns tools/call and cannot host a static tool on the same server.";

export async function mcpFigures({ runGroup, profile, quick, code }) {
  const dir = tempDir('mcp');
  const servers = [];
  try {
    const chameleon = await connectStdio([code.bin, 'serve', '--db', path.join(dir, 'chameleon.db'), '--persona', 'bench', '--log-level', 'warn']);
    servers.push(chameleon);
    const noop = await connectStdio([path.join(ROOT, 'scripts/bench/servers/noop-mcp-server.mjs')]);
    servers.push(noop);
    await chameleon.call('create_tool', { name: 'add', description: 'Adds two numbers.', code: TOOLS.add, input_schema: ADD_SCHEMA });
    await chameleon.client.listTools();
    for (let i = 0; i < 50; i++) {
      await chameleon.call('add', ADD_ARGS);
      await noop.call('noop', ADD_ARGS);
    }

    const sequential = (id, label, server, tool, extra = {}) => ({
      id,
      label,
      ...extra,
      async run(batch) {
        for (let i = 0; i < batch; i++) await server.call(tool, ADD_ARGS);
      },
    });
    const warm = await runGroup({
      id: 'mcp-warm',
      title: 'warm MCP call over stdio (trivial tool, logged, pristine state: hardened realm, module re-evaluated per call)',
      baseline: sequential('noop', 'bare SDK server, static no-op tool', noop, 'noop'),
      variants: [sequential('chameleon', 'chameleon serve, stored tool `add`', chameleon, 'add', { target: { ratio: { op: '<=', value: 1.5 } } })],
      ...profile.standard,
      note: NOOP_NOTE,
    });

    const calls = quick ? 48 : 128;
    const parallel = (id, label, server, tool, extra = {}) => ({
      id,
      label,
      batch: calls,
      ...extra,
      run: (batch) => inFlight(() => server.call(tool, ADD_ARGS), batch, 16),
    });
    const throughput = await runGroup({
      id: 'mcp-throughput',
      title: `throughput, 16 calls in flight over stdio (${calls} calls a sample; ratio = calls/s over baseline calls/s)`,
      metric: 'throughput',
      baseline: parallel('noop-16', 'bare SDK server, static no-op tool', noop, 'noop'),
      variants: [parallel('chameleon-16', 'chameleon serve, stored tool `add`, logged', chameleon, 'add', { target: { ratio: { op: '>=', value: 0.6 } } })],
      ...profile.slow,
      note: NOOP_NOTE,
    });
    return [warm, throughput];
  } finally {
    for (const server of servers) await server.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
