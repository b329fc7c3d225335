import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../src/model.js';
import { openStore } from '../../src/store/index.js';
import { startEngine } from '../helpers/engine.js';
import { runCli } from '../unit/cli/program.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-retention-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const OLD = '2020-01-01T00:00:00.000Z';

function oldRow(i: number, overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    id: `old-${String(i)}`, timestamp: new Date(Date.parse(OLD) + i).toISOString(), persona: 'default', toolName: 'add', operation: 'call',
    version: 1, hash: 'a'.repeat(64), argumentsJson: '{}', status: 'SUCCESS', errorKind: null, errorName: null, errorMessage: null,
    resultSummary: '3', frames: null, rawStack: null, codeFrame: null, errorFacts: null, consoleOutput: '', durationMs: 1, cpuMs: 1,
    heapUsedBytes: 1, effects: null, ...overrides,
  };
}

/** A database whose log holds `n` rows from 2020, the first of them a failure of `add`. */
function seed(file: string, n: number): void {
  const store = openStore(file);
  const rows = Array.from({ length: n }, (_, i) => oldRow(i, i === 0 ? { status: 'FAILURE', errorKind: 'exception', errorName: 'TypeError', errorMessage: 'old bug', resultSummary: null } : {}));
  for (let i = 0; i < n; i += 5000) store.executions.insertMany(rows.slice(i, i + 5000));
  store.close();
}

const count = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT COUNT(*) FROM executions').pluck().get() as number;
  } finally {
    db.close();
  }
};

describe('retention in the server', () => {
  it('prunes in the background in batches while calls are answered, and get_last_error still answers', async () => {
    const file = path.join(dir, 'server.db');
    const engine = await startEngine({ retention: { maxAgeDays: 30, batchRows: 500, intervalMs: 1000 } }, { dbPath: file });
    const scope = engine.app.forPersona('default');
    expect((await scope.createTool({ name: 'add', description: 'Adds.', code: 'export default ({ a, b }: { a: number; b: number }) => a + b;' })).ok).toBe(true);
    // Written by another connection while the server runs: its next pass finds them.
    seed(file, 20_000);
    const stalls: number[] = [];
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      stalls.push(now - last);
      last = now;
    }, 2);
    const started = performance.now();
    try {
      let calls = 0;
      // Calls answered while some of the old rows were gone and some not: none if the prune
      // were one transaction.
      let midway = 0;
      for (let left = count(file); left > 1 + calls; left = count(file)) {
        if (left < 20_000 + calls) midway += 1;
        expect((await scope.runTool('add', { a: 1, b: calls })).ok).toBe(true);
        calls += 1;
      }
      clearInterval(probe);
      const pruneMs = performance.now() - started;
      const during = Math.max(...stalls);
      // Control: the same probe over the same number of calls with nothing left to prune.
      stalls.length = 0;
      last = performance.now();
      const control = setInterval(() => {
        const now = performance.now();
        stalls.push(now - last);
        last = now;
      }, 2);
      for (let i = 0; i < Math.max(calls, 20); i += 1) await scope.runTool('add', { a: 1, b: i });
      clearInterval(control);
      const baseline = Math.max(...stalls);
      process.stderr.write(
        `retention: 20,000 rows pruned within ${pruneMs.toFixed(0)} ms of being written, with ${String(midway)} calls answered midway; worst event-loop stall ${during.toFixed(1)} ms against ${baseline.toFixed(1)} ms without pruning\n`,
      );
      // 40 batches of 500 rows, calls answered between them. Pruning in one transaction answered
      // one call (the one waiting when it began), and stalled for about all of pruneMs.
      expect(midway).toBeGreaterThanOrEqual(5);
      expect(during).toBeLessThan(Math.max(pruneMs / 2, 10 * baseline));
      expect((await scope.getLastError('add'))?.error.message).toBe('old bug');
    } finally {
      clearInterval(probe);
      await engine.close();
    }
  });
});

describe('chameleon logs prune', () => {
  it('--dry-run says what would go and deletes nothing; without it the rows go', async () => {
    const file = path.join(dir, 'cli.db');
    seed(file, 1_000);
    const before = fs.readFileSync(file);
    const dry = await runCli(['logs', 'prune', '--db', file, '--max-age-days', '30', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.rt.out()).toMatch(/^Would delete 999 rows of the execution log in .*cli\.db \(default: 999\)\. Nothing was deleted \(--dry-run\)\.\n$/);
    expect(count(file)).toBe(1_000);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    const real = await runCli(['logs', 'prune', '--db', file, '--max-rows-per-persona', '10']);
    expect(real.rt.out()).toMatch(/^Deleted 989 rows of the execution log in .*\(default: 989\)\.\n$/);
    expect(count(file)).toBe(11); // the newest 10, and the tool's last failure
  });

  it('refuses to run with no limit to prune by', async () => {
    const file = path.join(dir, 'none.db');
    seed(file, 10);
    await expect(runCli(['logs', 'prune', '--db', file])).rejects.toThrow('Nothing to prune by: pass --max-age-days and/or --max-rows-per-persona');
    expect(count(file)).toBe(10);
  });
});
