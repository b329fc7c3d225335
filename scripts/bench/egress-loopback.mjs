#!/usr/bin/env node
// `node scripts/bench/egress-loopback.mjs [N]` (after `npm run build`): the cost of the egress
// policy on one loopback GET. Interleaves, N times each: egressFetch() (checks, new connection,
// body read, redaction), and node's http.get with a new connection (`agent: false`, as egress
// does) and with a keep-alive agent (what a tool author's own Node would typically do).
// Prints medians and ratios. Standalone; not part of `npm run bench` yet.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { egressFetch } from '../../dist/capabilities/egress/egress-fetch.js';

const N = Number(process.argv[2] ?? 400);
const BODY = Buffer.alloc(1024, 0x61);

const server = http.createServer((_req, res) => res.end(BODY));
server.keepAliveTimeout = 60_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
const url = `http://127.0.0.1:${port}/items?page=1`;

const policy = { tool: 'bench', manifest: [`127.0.0.1:${port}`], ceiling: [`127.0.0.1:${port}`], privateRanges: [], secrets: new Map() };
const request = { url, method: 'GET', headers: [['accept', 'application/json']], body: null, redirect: 'follow' };
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });

function nodeGet(agent) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { accept: 'application/json' } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      })
      .on('error', reject);
  });
}

const variants = {
  egressFetch: async () => {
    const { outcome } = await egressFetch(request, policy, { maxResponseBytes: 1 << 20, maxRedirects: 5, maxRequestBytes: 1 << 20, signal: AbortSignal.timeout(5_000) });
    if (outcome.refused) throw new Error(outcome.message);
  },
  'http.get, new connection': () => nodeGet(false),
  'http.get, keep-alive': () => nodeGet(keepAlive),
};

const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let i = 0; i < N + 50; i++) {
  for (const [name, run] of Object.entries(variants)) {
    const started = performance.now();
    await run();
    if (i >= 50) samples[name].push(performance.now() - started); // the first 50 rounds warm up
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const base = median(samples['http.get, new connection']);
const egress = median(samples.egressFetch);
for (const [name, xs] of Object.entries(samples)) {
  process.stdout.write(`${name.padEnd(28)} median ${(median(xs) * 1000).toFixed(0).padStart(5)} us  (egressFetch / this = ${(egress / median(xs)).toFixed(2)})\n`);
}
process.stdout.write(`N=${N} interleaved; egressFetch / http.get new connection = ${(egress / base).toFixed(2)}\n`);
keepAlive.destroy();
server.close();
