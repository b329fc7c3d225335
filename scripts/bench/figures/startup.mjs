// Server start to first tool result: spawn `chameleon serve` on a database that already holds
// the tool, initialize, call it; against a bare Node process that answers one JSON-RPC line.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ROOT } from '../lib/env.mjs';
import { ADD_ARGS, createTool, PERSONA, TOOLS } from '../lib/engine.mjs';
import { serverEnv, timeToFirstResult } from '../lib/mcp-client.mjs';

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
          run: () => timeToInitialize([bin, ...serve]),
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

/**
 * Spawns `node <args>` and times spawn to the answer of `initialize`: the server's own start-up,
 * without the sandbox process and the first call. Then ends stdin and waits for the exit
 * (untimed), killing the process after 5 s.
 */
function timeToInitialize(args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env: serverEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let elapsed = null;
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr = (stderr + c).slice(-4000)));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (message.id !== 1 || elapsed !== null) return;
      elapsed = performance.now() - t0;
      if (message.error) {
        child.kill('SIGKILL');
        reject(new Error(`initialize failed: ${line.slice(0, 300)}`));
        return;
      }
      child.stdin.end();
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      if (elapsed !== null) resolve(elapsed);
      else reject(new Error(`server exited (${signal ?? code}) before answering; stderr: ${stderr.trim().slice(-500)}`));
    });
    child.stdin.on('error', () => {});
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'chameleon-bench', version: '1.0.0' } } };
    child.stdin.write(`${JSON.stringify(initialize)}\n`);
  });
}
