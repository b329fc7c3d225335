// Server start to first tool result: spawn `chameleon serve` on a database that already holds
// the tool, initialize, call it; against a bare Node process that answers one JSON-RPC line.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../lib/env.mjs';
import { ADD_ARGS, createTool, PERSONA, TOOLS } from '../lib/engine.mjs';
import { timeToFirstResult } from '../lib/mcp-client.mjs';

export async function startupFigures({ runGroup, profile, kit, code }) {
  // The database is made once by the engine in process, then served by each spawned server.
  const engine = await kit.startEngine('startup');
  await createTool(engine.scope, 'add', TOOLS.add);
  const db = path.join(engine.dir, 'served.db');
  await engine.app.close();
  fs.renameSync(engine.dbPath, db);
  for (const suffix of ['-wal', '-shm']) fs.rmSync(engine.dbPath + suffix, { force: true });
  const serve = ['serve', '--db', db, '--persona', PERSONA, '--log-level', 'warn'];
  const bin = code.bin;
  try {
    const group = await runGroup({
      id: 'startup',
      title: 'server start to first tool result (spawn, initialize, call a stored tool)',
      baseline: {
        id: 'bare-node',
        label: 'bare Node stdio server answering one line',
        batch: 1,
        run: () => timeToFirstResult({ args: [path.join(ROOT, 'scripts/bench/servers/bare-stdio-server.mjs')], tool: 'noop', toolArgs: ADD_ARGS, handshake: false }),
      },
      variants: [
        {
          id: 'chameleon-bin',
          label: 'node bin/chameleon.js serve (as clients run it)',
          batch: 1,
          target: { ratio: { op: '<=', value: 4 }, absMs: 1000 },
          run: () => timeToFirstResult({ args: [bin, ...serve], tool: 'add', toolArgs: ADD_ARGS, handshake: true }),
        },
        {
          id: 'chameleon-initialize',
          label: 'part: same server, spawn to initialize result (no call)',
          batch: 1,
          part: true,
          run: () => timeToFirstResult({ args: [bin, ...serve], handshake: true, untilInitialize: true }),
        },
      ],
      ...profile.startup,
    });
    group.note =
      "Chameleon includes its initialize round trip, the sandbox process start and the tool's first (cold) call; each sample waits for the previous server to exit. " +
      'The part row is the server alone (modules loaded, engine created, MCP session up); the sandbox processes boot meanwhile.';
    return [group];
  } finally {
    fs.rmSync(engine.dir, { recursive: true, force: true });
  }
}
