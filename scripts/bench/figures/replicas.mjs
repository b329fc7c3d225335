// Replicas (issue 19): throughput of 1, 2 and 3 stateless `serve --http` replicas on one store,
// 16 calls in flight spread round robin over them by one client, as a load balancer would; on
// one SQLite file (with the control of a file each) and on one PostgreSQL database. All replicas
// run through every round (the idle ones cost little), and each round measures 1, 2 and 3 of
// them in a rotating order, so the machine's load hits every figure alike. Then the warm call of
// one replica on SQLite against one on PostgreSQL.
//
// On this 2-core machine one replica already has two sandbox processes and its server busy:
// more replicas add no cores, only more processes sharing two. The figures say what replicas
// cost here; on more cores, or more machines, each replica brings its own.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ADD_ARGS, ADD_SCHEMA, TOOLS, tempDir } from '../lib/engine.mjs';
import { inFlight, serverEnv } from '../lib/mcp-client.mjs';
import { openHttpSession, startHttpServer } from '../lib/http-session.mjs';
import { startCluster } from '../lib/pg-cluster.mjs';

const REPLICAS = 3;
const IN_FLIGHT = 16;

export async function replicasFigures(ctx) {
  const { quick } = ctx;
  const dir = tempDir('replicas');
  const token = crypto.randomBytes(18).toString('base64url');
  const config = path.join(dir, 'config.json');
  // Stateless HTTP, as replicas behind a load balancer run (docs/http.md). The type checker is
  // advice on writes; replicas loading TypeScript would only add noise.
  fs.writeFileSync(config, JSON.stringify({ typecheck: { enabled: false }, http: { stateless: true } }));
  const env = { ...serverEnv(), CHAMELEON_TOKEN: token };
  const headers = { authorization: `Bearer ${token}` };
  const servers = [];
  const sessions = [];
  let cluster = null;
  /** `count` replicas on `db` (one first, so a fresh store's migrations run once), with a session each and the tool. */
  const replicasOn = async (db, count) => {
    const started = [await startHttpServer(ctx.code.bin, ['--db', db, '--persona', 'bench', '--config', config], env)];
    started.push(...(await Promise.all(Array.from({ length: count - 1 }, () => startHttpServer(ctx.code.bin, ['--db', db, '--persona', 'bench', '--config', config], env)))));
    servers.push(...started);
    const opened = await Promise.all(started.map((s) => openHttpSession(s.url, { headers, maxSockets: IN_FLIGHT })));
    sessions.push(...opened);
    await opened[0].call('create_tool', { name: 'add', description: 'Adds two numbers.', code: TOOLS.add, input_schema: ADD_SCHEMA });
    for (let i = 0; i < 30; i++) for (const session of opened) await session.call('add', ADD_ARGS);
    return opened;
  };
  const calls = quick ? 48 : 192;
  const spread = (over, count, id, what) => {
    let next = 0;
    return {
      id,
      label: `${count} replica${count === 1 ? '' : 's'} on ${what}, ${IN_FLIGHT} in flight round robin, stored tool \`add\`, logged`,
      batch: calls,
      run: (batch) => inFlight(() => over[next++ % count].call('add', ADD_ARGS), batch, IN_FLIGHT),
    };
  };
  const short = { ...ctx.profile.slow, rounds: quick ? ctx.profile.slow.rounds : 16, maxMs: quick ? ctx.profile.slow.maxMs : 15_000 };
  const groups = [];
  try {
    const shared = await replicasOn(path.join(dir, 'shared.db'), REPLICAS);
    // The control: as many replicas, each on a file of its own. What they lose against one
    // replica is the machine shared by more processes; what the shared file loses beyond that
    // is its one writer at a time.
    const separate = (await Promise.all(Array.from({ length: REPLICAS }, (_, i) => replicasOn(path.join(dir, `own-${i}.db`), 1)))).flat();
    groups.push(
      await ctx.runGroup({
        id: 'replicas-throughput',
        title: `throughput of stateless serve --http replicas on one SQLite file (${calls} calls a sample; ratio = calls/s over 1 replica's)`,
        metric: 'throughput',
        baseline: spread(shared, 1, 'replicas-1', 'one file'),
        variants: [spread(shared, 2, 'replicas-2', 'one file'), spread(shared, 3, 'replicas-3', 'one file'), spread(separate, REPLICAS, `replicas-${REPLICAS}-own-files`, 'a file each (control)')],
        ...short,
        note:
          `${REPLICAS} replicas on one file and, as a control, ${REPLICAS} on a file each, all started, each with its default 2 sandbox processes; the client ` +
          `(this process, node:http keep-alive) sends ${IN_FLIGHT} calls in flight, each to the next replica in turn. Every call commits its log row before its answer.`,
      }),
    );
    // The separate replicas are done with: fewer processes for what follows.
    for (const server of servers.splice(REPLICAS)) await server.stop();

    let pgReplicas;
    try {
      cluster = await startCluster();
      pgReplicas = await replicasOn(cluster.url('postgres'), REPLICAS);
    } catch (err) {
      groups.push({ id: 'replicas-postgres', title: 'replicas on PostgreSQL', skipped: err instanceof Error ? err.message.split('\n')[0] : String(err) });
      return groups;
    }
    groups.push(
      await ctx.runGroup({
        id: 'replicas-throughput-postgres',
        title: `throughput of stateless serve --http replicas on one PostgreSQL database (${calls} calls a sample; ratio = calls/s over 1 replica's)`,
        metric: 'throughput',
        baseline: spread(pgReplicas, 1, 'pg-replicas-1', 'PostgreSQL'),
        variants: [spread(pgReplicas, 2, 'pg-replicas-2', 'PostgreSQL'), spread(pgReplicas, 3, 'pg-replicas-3', 'PostgreSQL'), spread(shared, 1, 'sqlite-replicas-1', 'one SQLite file (for scale)')],
        ...short,
        note: 'A local PostgreSQL 15 cluster with its default settings (fsync on), on the same 2 cores; each replica has its pool of store.poolSize (10) connections.',
      }),
    );
    const sequential = (session, id, label) => ({
      id,
      label,
      async run(batch) {
        for (let i = 0; i < batch; i++) await session.call('add', ADD_ARGS);
      },
    });
    groups.push(
      await ctx.runGroup({
        id: 'replicas-store-warm',
        title: 'warm call over stateless HTTP, one replica on SQLite against one on PostgreSQL (stored tool `add`, logged)',
        baseline: sequential(shared[0], 'sqlite', 'SQLite file (WAL, synchronous=NORMAL)'),
        variants: [sequential(pgReplicas[0], 'postgres', 'PostgreSQL on loopback (fsync on)')],
        ...ctx.profile.standard,
        note: 'Each call reads the active version (one indexed read) and commits its log row before answering; on PostgreSQL both are round trips to the server.',
      }),
    );
    return groups;
  } finally {
    for (const session of sessions) session.close();
    await Promise.all(servers.map((s) => s.stop()));
    cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
