import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { sampleSqlite } from '../helpers/sample-sqlite.js';

let engine: TestEngine;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sql-timeout-'));
  engine = await startEngine({ datasources: { shop: { sqlite: sampleSqlite(dir) } } });
  const s = engine.app.forPersona('default');
  const made = await Promise.all([
    s.createTool({ name: 'endless', description: 'Never ends.', language: 'sql', datasource: 'shop', timeoutMs: 600, code: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c' }),
    s.createTool({ name: 'quick', description: 'Counts orders.', language: 'sql', datasource: 'shop', code: 'SELECT count(*) AS n FROM orders' }),
    s.createTool({ name: 'code', description: 'Code.', code: 'export default ({ n }: { n: number }) => n + 1;' }),
  ]);
  for (const m of made) expect(m.ok, m.ok ? '' : m.failure.message).toBe(true);
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const scope = () => engine.app.forPersona('default');

/** Event-loop delay (max, ms) while `work` runs. */
async function stallDuring(work: () => Promise<unknown>): Promise<number> {
  const monitor = monitorEventLoopDelay({ resolution: 5 });
  monitor.enable();
  try {
    await work();
  } finally {
    monitor.disable();
  }
  return monitor.max / 1e6;
}

describe('a query past its time limit', () => {
  it('ends as a timeout at the limit, while other calls run and the event loop never stalls', async () => {
    // Control: the same traffic for as long, without the runaway query.
    const others = async () => {
      for (const end = performance.now() + 600; performance.now() < end; ) {
        const [q, c] = await Promise.all([scope().runTool('quick', {}), scope().runTool('code', { n: 1 })]);
        expect(q.ok && c.ok).toBe(true);
      }
    };
    const control = await stallDuring(others);

    let slowMs = 0;
    let otherCalls = 0;
    const stall = await stallDuring(async () => {
      const t0 = performance.now();
      const slow = scope()
        .runTool('endless', {})
        .then((r) => {
          slowMs = performance.now() - t0;
          return r;
        });
      const busy = (async () => {
        while (slowMs === 0) {
          const [q, c] = await Promise.all([scope().runTool('quick', {}), scope().runTool('code', { n: 1 })]);
          expect(q.ok && c.ok).toBe(true);
          otherCalls += 2;
        }
      })();
      const run = await slow;
      await busy;
      expect(run.ok).toBe(false);
      if (run.ok) return;
      expect(run.failure).toMatchObject({ kind: 'timeout', name: 'TimeoutError', message: expect.stringContaining('600 ms') });
      expect(run.advice).toContain('timeout_ms');
    });
    // Reported, for the "Done when": how long the loop was held, with and without it.
    console.info(`sql timeout: runaway query stopped after ${slowMs.toFixed(0)} ms (limit 600); ${otherCalls} other calls meanwhile; event-loop max delay ${stall.toFixed(1)} ms (control ${control.toFixed(1)} ms)`);
    expect(slowMs).toBeGreaterThanOrEqual(590);
    expect(slowMs).toBeLessThan(600 + 3_000);
    expect(otherCalls).toBeGreaterThan(2);
    // The kill and the start of a replacement process happen off the loop but for the fork itself.
    expect(stall).toBeLessThan(Math.max(250, control * 4));
  });

  it('leaves the datasource serving: the killed query process is replaced', async () => {
    const run = await scope().runTool('quick', {});
    expect(run.ok && run.result).toMatchObject({ rows: [{ n: 40 }] });
    const again = await scope().runTool('endless', {});
    expect(!again.ok && again.failure.kind).toBe('timeout');
    expect((await scope().runTool('quick', {})).ok).toBe(true);
  });

  it('is logged like any call: status, kind, duration, and the query as an effect', async () => {
    const last = await scope().getLastError('endless');
    expect(last).toMatchObject({ tool: 'endless', error: { kind: 'timeout' } });
    const row = await scope().getExecution(last!.executionId);
    expect(row.status).toBe('FAILURE');
    expect(row.durationMs).toBeGreaterThanOrEqual(590);
    expect(row.effects).toEqual([expect.objectContaining({ op: 'sql.query', datasource: 'shop', rows: 0, error: 'timeout' })]);
  });

  it('does not bill the start of a query process to the query that waited for it', async () => {
    const datasources = { shop: { sqlite: path.join(dir, 'shop.db') } };
    const first = await startEngine({ datasources }, { dbPath: path.join(dir, 'cold.db') });
    expect((await first.app.forPersona('default').createTool({ name: 'quick_limit', description: 'd', language: 'sql', datasource: 'shop', timeoutMs: 50, code: 'SELECT count(*) AS n FROM customers' })).ok).toBe(true);
    await first.close();
    // A restarted server: no query process is running yet, and starting one is a node start.
    const cold = await startEngine({ datasources }, { dbPath: path.join(dir, 'cold.db') });
    try {
      const t0 = performance.now();
      const run = await cold.app.forPersona('default').runTool('quick_limit', {});
      const ms = performance.now() - t0;
      expect(run.ok, run.ok ? '' : run.failure.message).toBe(true);
      console.info(`sql cold start: the first query answered in ${ms.toFixed(0)} ms, process start included, with a 50 ms limit`);
    } finally {
      await cold.close();
    }
  });
});
