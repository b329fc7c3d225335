#!/usr/bin/env node
// Group commit of log rows on PostgreSQL (issue 19): insert latency of one caller at a time and
// of 16 concurrent callers, with group commit (src/store/postgres/group-commit.ts) and without
// (each row its own INSERT, on its own pooled connection). Starts a throwaway cluster with
// fsync on (what a server has) and then off (the test clusters), alternates the two modes in
// rounds so drift hits both alike, and prints medians and p95.
//
//   node scripts/build.mjs && node scripts/bench/pg-log-insert.mjs [--rows 400] [--rounds 3]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';

import { ROOT } from './lib/env.mjs';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '400' }, rounds: { type: 'string', default: '3' } } });
const ROWS = Number(args.rows);
const ROUNDS = Number(args.rounds);

const { createPgExecutionStore, DEFAULT_GROUP_COMMIT } = await import(path.join(ROOT, 'dist/store/postgres/executions.js'));
const { logMigration } = await import(path.join(ROOT, 'dist/store/postgres/migrations/002-log.js'));

function binaries() {
  const base = '/usr/lib/postgresql';
  for (const v of fs.existsSync(base) ? fs.readdirSync(base).sort().reverse() : []) if (fs.existsSync(path.join(base, v, 'bin/initdb'))) return path.join(base, v, 'bin');
  return path.dirname(execFileSync('which', ['initdb'], { encoding: 'utf8' }).trim());
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startCluster(fsync) {
  const bin = binaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-pgbench-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const run = (cmd, a) => execFileSync(asRoot ? 'runuser' : path.join(bin, cmd), asRoot ? ['-u', 'postgres', '--', path.join(bin, cmd), ...a] : a, { stdio: 'ignore', cwd: dir });
  run('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'chameleon', '--no-instructions']);
  const port = await freePort();
  run('pg_ctl', ['-D', path.join(dir, 'data'), '-l', path.join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=${fsync ? 'on' : 'off'}`, 'start']);
  return { url: `postgres://chameleon@127.0.0.1:${port}/postgres`, stop: () => { run('pg_ctl', ['-D', path.join(dir, 'data'), '-m', 'fast', '-w', 'stop']); fs.rmSync(dir, { recursive: true, force: true }); } };
}

let n = 0;
function record() {
  n += 1;
  return {
    id: `bench-${n}`, timestamp: new Date().toISOString(), persona: 'alice', toolName: 'add', operation: 'call', version: 1, hash: 'a'.repeat(64),
    argumentsJson: '{"a":1,"b":2}', status: 'SUCCESS', errorKind: null, errorName: null, errorMessage: null, resultSummary: '3', frames: null,
    rawStack: null, codeFrame: null, errorFacts: null, consoleOutput: '', durationMs: 1.2, cpuMs: 0.5, heapUsedBytes: 1_000_000, effects: null,
  };
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

async function measure(store, concurrency) {
  const latencies = [];
  const started = performance.now();
  let left = ROWS;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (left > 0) {
      left -= 1;
      const t = performance.now();
      await store.insert(record());
      latencies.push(performance.now() - t);
    }
  }));
  return { latencies, rowsPerSecond: ROWS / ((performance.now() - started) / 1000) };
}

for (const fsync of [true, false]) {
  const cluster = await startCluster(fsync);
  const pool = new pg.Pool({ connectionString: cluster.url, max: 16 });
  await pool.query(logMigration.sql);
  const modes = { group: createPgExecutionStore(pool, { maxKeysPerNamespace: 1e6, maxBytesPerNamespace: 1e9 }, DEFAULT_GROUP_COMMIT), alone: createPgExecutionStore(pool, { maxKeysPerNamespace: 1e6, maxBytesPerNamespace: 1e9 }, null) };
  const results = {};
  // Warm the pool's connections and the server's caches.
  for (const store of Object.values(modes)) await measure(store, 16);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const concurrency of [1, 16]) {
      for (const [mode, store] of Object.entries(modes)) {
        const r = await measure(store, concurrency);
        const key = `${mode} c=${concurrency}`;
        results[key] ??= { latencies: [], rps: [] };
        results[key].latencies.push(...r.latencies);
        results[key].rps.push(r.rowsPerSecond);
      }
    }
  }
  process.stdout.write(`\nfsync=${fsync ? 'on' : 'off'} (${ROWS} rows x ${ROUNDS} rounds per cell)\n`);
  for (const [key, r] of Object.entries(results)) {
    process.stdout.write(`${key.padEnd(12)} median ${pct(r.latencies, 0.5).toFixed(3)} ms  p95 ${pct(r.latencies, 0.95).toFixed(3)} ms  ${Math.round(pct(r.rps, 0.5))} rows/s\n`);
  }
  await pool.end();
  cluster.stop();
}
