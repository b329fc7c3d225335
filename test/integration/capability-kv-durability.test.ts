import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createToolFrom, resultOf, type ToolFixture } from '../helpers/capability-tools.js';
import { startEngine } from '../helpers/engine.js';
import { kvTool } from '../helpers/kv-tool.js';
import { loopbackServer } from '../helpers/loopback-server.js';
import { tempDir } from '../helpers/temp-dir.js';

// ctx.kv over time and under concurrency, end to end: values are in the database, so they
// outlive the server; concurrent calls each commit their own keys; and on one shared key the
// last call to commit wins: a read-modify-write is not atomic (session.ts says so; this pins it).

/** `counter`: adds 1 to the number at `key` (absent: 0) and returns what it read. */
const counter: ToolFixture = {
  name: 'counter',
  lines: [
    'export default async ({ key }: { key: string }, ctx: any) => {',
    '  const n = (await ctx.kv.get(key)) ?? 0;',
    '  await ctx.kv.set(key, n + 1);',
    '  return n;',
    '};',
  ],
};

describe('kv values', () => {
  it('survive a restart of the server (a new engine on the same database)', async () => {
    const dbPath = path.join(tempDir('chameleon-kv-restart-'), 'chameleon.db');
    const first = await startEngine({}, { dbPath });
    try {
      await createToolFrom(first.app.forPersona('default'), kvTool('keeper'));
      await createToolFrom(first.app.forPersona('default'), kvTool('sharer', { kv: 'persona' }));
      resultOf(await first.app.forPersona('default').runTool('keeper', { ops: [['set', 'doc', { v: 1, s: 'é✓' }], ['set', 'gone', 1]] }));
      resultOf(await first.app.forPersona('default').runTool('keeper', { ops: [['delete', 'gone']] }));
      resultOf(await first.app.forPersona('default').runTool('sharer', { ops: [['set', 'team', [1, 2]]] }));
    } finally {
      await first.close();
    }
    const second = await startEngine({}, { dbPath });
    try {
      const scope = second.app.forPersona('default');
      expect(resultOf(await scope.runTool('keeper', { ops: [['get', 'doc'], ['get', 'gone'], ['list']] }))).toEqual([{ v: 1, s: 'é✓' }, null, { keys: ['doc'], truncated: false }]);
      expect(resultOf(await scope.runTool('sharer', { ops: [['get', 'team']] }))).toEqual([[1, 2]]);
    } finally {
      await second.close();
    }
  });
});

describe('concurrent calls of one tool', () => {
  it('each commit their own keys: 20 in parallel, three rounds, every increment lands', async () => {
    // Two sandbox processes, four calls of the tool at once: rows (and their writes) commit in batches.
    const engine = await startEngine({ sandbox: { processes: 2, parallelCallsPerTool: 4 } });
    try {
      const scope = engine.app.forPersona('default');
      await createToolFrom(scope, counter);
      const keys = Array.from({ length: 20 }, (_, i) => `key-${String(i).padStart(2, '0')}`);
      for (let round = 0; round < 3; round++) {
        const read = await Promise.all(keys.map((key) => scope.runTool(counter.name, { key }).then(resultOf)));
        expect(read).toEqual(keys.map(() => round));
      }
      // A fourth round reads what the three left.
      const values = await Promise.all(keys.map((key) => scope.runTool(counter.name, { key }).then(resultOf)));
      expect(values).toEqual(keys.map(() => 3));
    } finally {
      await engine.close();
    }
  });

  it('on one shared key: the last to commit wins, and an increment is lost (not atomic)', async () => {
    // Both calls read before either writes: the server answers the barrier once both wait at it.
    const waiting: Array<() => void> = [];
    const barrier = await loopbackServer((_req, res) => {
      waiting.push(() => res.end('go'));
      if (waiting.length === 2) for (const release of waiting) release();
    });
    const engine = await startEngine({ capabilities: { fetch: { allow: [barrier.pattern] } } });
    try {
      const scope = engine.app.forPersona('default');
      await createToolFrom(scope, {
        name: 'racer',
        capabilities: { fetch: [barrier.pattern] },
        timeoutMs: 20_000,
        lines: [
          'export default async ({ me, barrier }: { me?: string; barrier?: string }, ctx: any) => {',
          '  const seen = (await ctx.kv.get("shared")) ?? { n: 0 };',
          '  if (me === undefined) return seen; // only reads',
          '  await (await fetch(barrier!)).text();',
          '  await ctx.kv.set("shared", { n: seen.n + 1, by: me });',
          '  return seen;',
          '};',
        ],
      });
      const outcomes = await Promise.all(['A', 'B'].map((me) => scope.runTool('racer', { me, barrier: barrier.url() })));
      expect(outcomes.map(resultOf)).toEqual([{ n: 0 }, { n: 0 }]);
      // Two increments, one survives: the whole value of the call whose row was committed last.
      const final = resultOf(await scope.runTool('racer', {})) as { n: number; by: string };
      expect(final.n).toBe(1);
      const db = new Database(engine.dbPath, { readonly: true });
      try {
        // seq numbers the log rows in the order they were committed; the kv row names its writer.
        const committed = db.prepare("SELECT id, arguments_json FROM executions WHERE tool_name = 'racer' ORDER BY seq").all() as Array<{ id: string; arguments_json: string }>;
        const racers = committed.filter((r) => r.arguments_json.includes('"me"'));
        expect(racers).toHaveLength(2);
        const last = racers[1]!;
        expect(JSON.parse(last.arguments_json)).toMatchObject({ me: final.by });
        const writer = db.prepare("SELECT execution_id FROM kv WHERE key = 'shared'").get() as { execution_id: string };
        expect(writer.execution_id).toBe(last.id);
      } finally {
        db.close();
      }
    } finally {
      await engine.close();
    }
  });
});
