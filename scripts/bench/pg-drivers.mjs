// Which PostgreSQL driver the store uses (issue 19): `pg` against `postgres` (postgres.js) on the
// store's own kinds of statement, on a throwaway local cluster:
//   - insert+commit: BEGIN, one INSERT of a ~1 KB row, COMMIT (a version or a log row);
//   - select by key: one row by a unique index (the active version on every call);
//   - 16 concurrent insert+commits through one pool of 10 connections (16 calls in flight).
// Each driver is used as the store would use it: `pg` with named (prepared) statements,
// postgres.js with its defaults (it prepares every statement). Rounds interleave the drivers in
// a rotating order so load that comes and goes hits both; medians and p90 per operation, and
// the median of the per-round ratio postgres/pg.
//
//   node scripts/bench/pg-drivers.mjs [--rounds 30] [--json PATH] [--fsync]
//
// By default the cluster runs with fsync=off, like the tests' (what is compared is the
// drivers' own cost; with fsync on, a commit's disk flush dominates both and hides it).
import fs from 'node:fs';
import path from 'node:path';

import pg from 'pg';
import postgres from 'postgres';

import { load, machine, ROOT } from './lib/env.mjs';
import { startCluster } from './lib/pg-cluster.mjs';
import { roundOrder, summarize } from './lib/stats.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const ROUNDS = Number(option('--rounds', '30'));
const JSON_PATH = option('--json', path.join(ROOT, 'scripts/bench/results/pg-drivers.json'));
const FSYNC = args.includes('--fsync');
const POOL = 10;
const PER_ROUND = { insert: 20, select: 40, concurrent: 2 };
const PAYLOAD = 'x'.repeat(1_000);

const SCHEMA = `CREATE TABLE bench_rows (id bigserial PRIMARY KEY, key text NOT NULL UNIQUE, persona text NOT NULL, payload text NOT NULL, created_at text NOT NULL)`;
const INSERT = 'INSERT INTO bench_rows (key, persona, payload, created_at) VALUES ($1, $2, $3, $4) RETURNING id';
const SELECT = 'SELECT id, key, persona, payload, created_at FROM bench_rows WHERE key = $1';

function pgDriver(url) {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  return {
    id: 'pg',
    version: packageVersion('pg'),
    async insert(key) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query({ name: 'bench_insert', text: INSERT, values: [key, 'default', PAYLOAD, new Date().toISOString()] });
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    async select(key) {
      const result = await pool.query({ name: 'bench_select', text: SELECT, values: [key] });
      if (result.rows.length !== 1) throw new Error(`pg: no row ${key}`);
    },
    end: () => pool.end(),
  };
}

function postgresDriver(url) {
  const sql = postgres(url, { max: POOL, onnotice: () => {} });
  return {
    id: 'postgres',
    version: packageVersion('postgres'),
    async insert(key) {
      await sql.begin((tx) => tx.unsafe(INSERT, [key, 'default', PAYLOAD, new Date().toISOString()], { prepare: true }));
    },
    async select(key) {
      const rows = await sql.unsafe(SELECT, [key], { prepare: true });
      if (rows.length !== 1) throw new Error(`postgres: no row ${key}`);
    },
    end: () => sql.end({ timeout: 5 }),
  };
}

function packageVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) * 1000;
}

async function main() {
  const cluster = await startCluster({ settings: FSYNC ? [] : ['fsync=off', 'full_page_writes=off'] });
  const started = load();
  try {
    const setup = new pg.Client({ connectionString: cluster.url() });
    await setup.connect();
    await setup.query(SCHEMA);
    await setup.end();
    const drivers = [pgDriver(cluster.url()), postgresDriver(cluster.url())];
    const samples = Object.fromEntries(drivers.map((d) => [d.id, { insert: [], select: [], concurrent16: [] }]));
    const roundMedians = Object.fromEntries(drivers.map((d) => [d.id, { insert: [], select: [], concurrent16: [] }]));
    let serial = 0;
    const keys = Object.fromEntries(drivers.map((d) => [d.id, []]));

    // Round -1 warms each driver up (connections opened, statements prepared) and is thrown away.
    for (let round = -1; round < ROUNDS; round++) {
      for (const id of roundOrder(drivers.map((d) => d.id), Math.max(0, round))) {
        const driver = drivers.find((d) => d.id === id);
        const mine = { insert: [], select: [], concurrent16: [] };
        for (let i = 0; i < PER_ROUND.insert; i++) {
          const key = `${id}-${serial++}`;
          mine.insert.push(await timed(() => driver.insert(key)));
          keys[id].push(key);
        }
        for (let i = 0; i < PER_ROUND.select; i++) {
          const key = keys[id][(i * 7919 + round + 1) % keys[id].length];
          mine.select.push(await timed(() => driver.select(key)));
        }
        for (let i = 0; i < PER_ROUND.concurrent; i++) {
          const batch = Array.from({ length: 16 }, () => `${id}-${serial++}`);
          mine.concurrent16.push(await timed(() => Promise.all(batch.map((key) => driver.insert(key)))));
        }
        if (round < 0) continue;
        for (const what of Object.keys(mine)) {
          samples[id][what].push(...mine[what]);
          roundMedians[id][what].push(summarize(mine[what]).median);
        }
      }
    }
    await Promise.all(drivers.map((d) => d.end()));

    const figures = {};
    for (const what of ['insert', 'select', 'concurrent16']) {
      const ratios = roundMedians.pg[what].map((base, i) => roundMedians.postgres[what][i] / base);
      figures[what] = {
        pg: summarize(samples.pg[what]),
        postgres: summarize(samples.postgres[what]),
        ratioPostgresToPg: summarize(ratios),
      };
    }
    const result = {
      when: new Date().toISOString(),
      fsync: FSYNC,
      rounds: ROUNDS,
      perRound: PER_ROUND,
      pool: POOL,
      versions: Object.fromEntries(drivers.map((d) => [d.id, d.version])),
      load: { start: started, end: load() },
      machine: machine(),
      figures,
    };
    fs.mkdirSync(path.dirname(JSON_PATH), { recursive: true });
    fs.writeFileSync(JSON_PATH, `${JSON.stringify(result, null, 2)}\n`);
    const us = (v) => `${Math.round(v)} µs`;
    const lines = [
      `pg ${result.versions.pg} vs postgres ${result.versions.postgres}; ${ROUNDS} rounds, fsync ${FSYNC ? 'on' : 'off'}; load ${started.loadavg1} -> ${result.load.end.loadavg1} on ${started.cpus} cpus`,
      '| operation | pg median | pg p90 | postgres median | postgres p90 | postgres/pg (median of rounds, p10-p90) |',
      '|---|---|---|---|---|---|',
    ];
    for (const [what, label] of [['insert', 'insert+commit'], ['select', 'select by key'], ['concurrent16', '16 concurrent insert+commits (whole batch)']]) {
      const f = figures[what];
      const r = f.ratioPostgresToPg;
      lines.push(`| ${label} | ${us(f.pg.median)} | ${us(f.pg.p90)} | ${us(f.postgres.median)} | ${us(f.postgres.p90)} | ${r.median.toFixed(2)} (${r.p10.toFixed(2)}-${r.p90.toFixed(2)}) |`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    cluster.stop();
  }
}

await main();
