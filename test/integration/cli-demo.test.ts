import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-dir.js';
import { fakeRuntime } from '../unit/cli/fake-runtime.js';
import { ROOT, runCli } from '../unit/cli/program.js';

// The story's milestones, in order: each must appear after the previous one.
const MILESTONES = [
  '[1/11] Start the server',
  'Connected to chameleon',
  '[2/11] Create a TypeScript tool `fibonacci`',
  '>  9 |   return memo[n + 1].value;',
  'Saved as version 1',
  '[3/11] Call fibonacci {"n":30}',
  "TypeError: Cannot read properties of undefined (reading 'value')",
  'at fibonacci (fibonacci.ts:9:',
  '[4/11] Ask what went wrong: get_last_error',
  'The bug is on line 9',
  '[5/11] Patch it: edit_tool, through the regression gate',
  'the gate runs the declared tests',
  '+ return memo[n].value;',
  'Version 3 is active',
  '[6/11] Call fibonacci {"n":30} again',
  'fibonacci(30) = 832040, as expected.',
  '[7/11] The audit trail: list_executions',
  'fibonacci@1  FAILURE',
  'fibonacci@3  SUCCESS',
  '[8/11] A tool that reaches the world: `weather`, allowed to fetch from localhost:',
  '>  9 |   const celsius = data.current.temperature.toFixed(1);',
  "TypeError: Cannot read properties of undefined (reading 'toFixed')",
  'at weather (weather.ts:9:',
  '[9/11] Patch the field and call again',
  '+ const celsius = data.current.temp_c.toFixed(1);',
  'Lyon: 7.5 °C, lookup 1',
  'fetch GET http://localhost:',
  '/forecast?city= -> 200',
  'kv.set lookups:Lyon',
  '[10/11] A SQL tool: `top_customers`, one read-only query on the datasource `shop`',
  '> 1 | SELECT c.name, count(*) AS orders, round(sum(o.amount), 2) AS spent',
  'SqlError: no such column: o.amount (SQLITE_ERROR)',
  'at <query> (top_customers.sql:1:46)',
  'Nothing was saved',
  '[11/11] Fix the column and create it again',
  '+ SELECT c.name, count(*) AS orders, round(sum(o.total), 2) AS spent',
  'derived from the parameters: ["since","top"]',
  'Grace: 2 orders, 409.99',
  'Margaret: 1 orders, 150',
  'Every tool healed',
];

function expectStory(out: string): void {
  let at = 0;
  for (const milestone of MILESTONES) {
    const found = out.indexOf(milestone, at);
    expect(found, `"${milestone}" after position ${at} in:\n${out}`).toBeGreaterThanOrEqual(0);
    at = found + milestone.length;
  }
}

describe('chameleon demo (in process, real server over stdio)', () => {
  it('tells the whole self-healing story and exits 0, without colour when not a terminal', { timeout: 60_000 }, async () => {
    const { code, rt } = await runCli(['demo']);
    expect(code, rt.out()).toBe(0);
    expectStory(rt.out());
    // eslint-disable-next-line no-control-regex
    expect(rt.out()).not.toMatch(/\u001b/);
    expect(rt.out()).not.toContain('The database is kept');
  });

  it('works on a given --db, which it keeps; run again it stops at the clash and exits 1', { timeout: 90_000 }, async () => {
    const db = path.join(tempDir(), 'demo.db');
    const first = await runCli(['demo', '--db', db, '--persona', 'demo_agent']);
    expect(first.code, first.rt.out()).toBe(0);
    expect(first.rt.out()).toContain(`The database is kept at ${db}`);
    const store = openStore(db);
    try {
      // The first patch was refused by the gate (kept, never active); the second went live.
      expect(store.tools.listVersions('demo_agent', 'fibonacci').map((v) => [v.origin.kind, v.gate?.passed ?? null])).toEqual([['create', null], ['edit', false], ['edit', true]]);
      expect(store.executions.list('demo_agent', { toolName: 'fibonacci' }).map((r) => `${r.status}@${r.version}`)).toEqual(['SUCCESS@3', 'FAILURE@1']);
      expect(store.executions.list('demo_agent', { toolName: 'weather' }).map((r) => `${r.status}@${r.version}`)).toEqual(['SUCCESS@2', 'FAILURE@1']);
      // The healed call's effects are in its row: the request and the kv write it committed.
      expect(store.executions.list('demo_agent', { toolName: 'weather' })[0]?.effects?.map((e) => e.op)).toEqual(['fetch', 'kv.get', 'kv.set']);
      // The SQL act: the refused create is logged (no version), the call with its query.
      expect(store.executions.list('demo_agent', { toolName: 'top_customers' }).map((r) => `${r.operation}:${r.status}@${String(r.version)}`)).toEqual(['call:SUCCESS@1', 'create:FAILURE@null']);
      expect(store.executions.list('demo_agent', { toolName: 'top_customers' })[0]?.effects).toEqual([expect.objectContaining({ op: 'sql.query', datasource: 'shop', rows: 3 })]);
    } finally {
      store.close();
    }
    const again = await runCli(['demo', '--db', db, '--persona', 'demo_agent'], fakeRuntime());
    expect(again.code).toBe(1);
    expect(again.rt.out()).toMatch(/The demo went differently than scripted: persona demo_agent already has a tool named `fibonacci`: run the demo on a fresh database/);
  });

  it('with --keep, keeps the throwaway database and says where', { timeout: 60_000 }, async () => {
    const { code, rt } = await runCli(['demo', '--keep']);
    expect(code).toBe(0);
    const kept = /The database is kept at (\S+)/.exec(rt.out())?.[1];
    expect(kept && fs.existsSync(kept)).toBe(true);
    fs.rmSync(path.dirname(kept!), { recursive: true, force: true });
  });
});

describe('npm run demo (node bin/chameleon.js demo)', () => {
  it('exits 0 and tells the story', { timeout: 90_000 }, () => {
    const r = spawnSync(process.execPath, ['bin/chameleon.js', 'demo'], { cwd: ROOT, encoding: 'utf8', timeout: 80_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' } });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expectStory(r.stdout);
  });
});
