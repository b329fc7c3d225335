// Throughput of 1, 2 and 3 `serve --http` replicas on one store (issue 19), 16 calls in flight
// spread round robin over them by one client, as a load balancer would. All three replicas run
// through every round (the idle ones cost little), and each round measures 1, 2 and 3 of them in
// a rotating order, so the machine's load hits every figure alike.
//
// On this 2-core machine one replica already has two sandbox processes and its server busy:
// more replicas add no cores, only more processes sharing two. The figure says what replicas
// cost here (and what a single store shared by several writers costs); on more cores, or more
// machines, each replica brings its own.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ADD_ARGS, ADD_SCHEMA, TOOLS, tempDir } from '../lib/engine.mjs';
import { inFlight, serverEnv } from '../lib/mcp-client.mjs';
import { openHttpSession, startHttpServer } from '../lib/http-session.mjs';

const REPLICAS = 3;
const IN_FLIGHT = 16;

export async function replicasFigures({ runGroup, profile, quick, code }) {
  const dir = tempDir('replicas');
  const token = crypto.randomBytes(18).toString('base64url');
  const config = path.join(dir, 'config.json');
  // Stateless HTTP, as replicas behind a load balancer run (docs/http.md). The type checker is
  // advice on writes; three replicas loading TypeScript would only add noise.
  fs.writeFileSync(config, JSON.stringify({ typecheck: { enabled: false }, http: { stateless: true } }));
  const db = path.join(dir, 'shared.db');
  const servers = [];
  const sessions = [];
  try {
    // One first, so that the fresh file's migrations run once; then the others.
    servers.push(await startHttpServer(code.bin, ['--db', db, '--persona', 'bench', '--config', config], { ...serverEnv(), CHAMELEON_TOKEN: token }));
    servers.push(...(await Promise.all(Array.from({ length: REPLICAS - 1 }, () => startHttpServer(code.bin, ['--db', db, '--persona', 'bench', '--config', config], { ...serverEnv(), CHAMELEON_TOKEN: token })))));
    // The control: as many replicas, each on a file of its own. What they lose against one
    // replica is the machine shared by more processes; what the shared file loses beyond that
    // is its one writer at a time.
    const own = await Promise.all(
      Array.from({ length: REPLICAS }, (_, i) => startHttpServer(code.bin, ['--db', path.join(dir, `own-${i}.db`), '--persona', 'bench', '--config', config], { ...serverEnv(), CHAMELEON_TOKEN: token })),
    );
    servers.push(...own);
    const headers = { authorization: `Bearer ${token}` };
    sessions.push(...(await Promise.all(servers.map((s) => openHttpSession(s.url, { headers, maxSockets: IN_FLIGHT })))));
    const shared = sessions.slice(0, REPLICAS);
    const separate = sessions.slice(REPLICAS);
    for (const session of [shared[0], ...separate]) await session.call('create_tool', { name: 'add', description: 'Adds two numbers.', code: TOOLS.add, input_schema: ADD_SCHEMA });
    for (let i = 0; i < 30; i++) for (const session of sessions) await session.call('add', ADD_ARGS);

    const calls = quick ? 48 : 192;
    const spread = (count, over = shared, id = `replicas-${count}`, what = 'one file') => {
      let next = 0;
      return {
        id,
        label: `${count} replica${count === 1 ? '' : 's'} on ${what}, ${IN_FLIGHT} in flight round robin, stored tool \`add\`, logged`,
        batch: calls,
        run: (batch) => inFlight(() => over[next++ % count].call('add', ADD_ARGS), batch, IN_FLIGHT),
      };
    };
    const group = await runGroup({
      id: 'replicas-throughput',
      title: `throughput of stateless serve --http replicas on one SQLite file (${calls} calls a sample; ratio = calls/s over 1 replica's)`,
      metric: 'throughput',
      baseline: spread(1),
      variants: [spread(2), spread(3), spread(REPLICAS, separate, `replicas-${REPLICAS}-own-files`, 'a file each (control)')],
      ...profile.slow,
      // Short: three server processes and six sandbox processes share two cores with the client.
      rounds: quick ? profile.slow.rounds : 16,
      maxMs: quick ? profile.slow.maxMs : 15_000,
      note:
        `${REPLICAS} replicas on one file and, as a control, ${REPLICAS} on a file each, all started, each with its default 2 sandbox processes; the client (this process, node:http keep-alive) sends ${IN_FLIGHT} calls in flight, ` +
        'each to the next replica in turn. Every call commits its log row before its answer; across processes SQLite has one writer at a time.',
    });
    return [group];
  } finally {
    for (const session of sessions) session.close();
    await Promise.all(servers.map((s) => s.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
