/**
 * The PostgreSQL store end to end (issue 19): the built `chameleon serve --db postgres://…` over
 * stdio as an agent drives it, then the CLI's commands on the same database while the server
 * still runs, on a throwaway cluster (test/helpers/postgres.ts) that asks for passwords over TCP,
 * as a real server does: the server has its password in the URL, the CLI in PGPASSWORD, and
 * `logs prune` from the config's store.password. The steps build on each other like an agent's
 * session, so they share one server and one database.
 */
import fs from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { postgresUnavailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { connectStdio, spawnCli, structured, text, type Connected } from './helpers/cli.js';
import { BROKEN_MEAN, FIXED_MEAN, meanTool } from './helpers/fixtures.js';
import { suiteTempDir } from './helpers/temp.js';

const KV_TOOL = ['export default async ({ key, value }: { key: string; value: unknown }, ctx: any) => {', '  await ctx.kv.set(key, value);', '  return { kept: key };', '};'].join('\n');

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

describe.skipIf(postgresUnavailable() !== null)('chameleon on a PostgreSQL store (stdio and CLI)', () => {
  let pg: TestPostgres;
  /** The URL without a password, as the CLI is given it. */
  let url = '';
  let s: Connected;
  let failedExecution = '';
  const temp = suiteTempDir();

  /** Runs `chameleon ARGS --db URL` to the end; the password in PGPASSWORD unless `env` says otherwise. */
  const cli = async (args: string[], env: Record<string, string> = { PGPASSWORD: pg.superuserPassword! }): Promise<Ran> => {
    const spawned = spawnCli([...args, '--db', url], env);
    let out = '';
    spawned.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    spawned.child.stdin!.end();
    const { code } = await spawned.exited;
    return { code, out, err: spawned.stderr() };
  };

  beforeAll(async () => {
    pg = await startPostgres({ passwords: true });
    await pg.exec('postgres', 'CREATE DATABASE e2e');
    url = pg.url('e2e').replace(`:${pg.superuserPassword!}@`, '@');
    s = await connectStdio({ db: pg.url('e2e') });
  });
  afterAll(async () => {
    await s?.close();
    pg?.stop();
    temp.remove();
  });

  it('serves from the database, and never prints the password of its URL', () => {
    expect(url).not.toContain(pg.superuserPassword!);
    expect(s.stderr()).not.toContain(pg.superuserPassword!);
  });

  it('creates a tool, calls it, and a failure is located in the agent’s line by get_last_error', async () => {
    const created = await s.call('create_tool', { ...meanTool(), tests: [{ name: 'two', arguments: { values: [1, 3] }, expect: { mean: 2 } }] });
    expect(created.isError, text(created)).toBeFalsy();
    expect(structured(created)).toMatchObject({ saved: true, name: 'mean_tool', version: 1 });
    expect(structured(await s.call('mean_tool', { values: [4, 2] }))).toMatchObject({ status: 'SUCCESS', version: 1, result: { mean: 2 } });

    const bad = await s.call('mean_tool', { values: [] });
    expect(bad.isError).toBe(true);
    failedExecution = structured<{ execution_id: string }>(bad).execution_id;
    const last = structured<Record<string, any>>(await s.call('get_last_error', { tool_name: 'mean_tool' }));
    expect(last).toMatchObject({ execution_id: failedExecution, tool: 'mean_tool', version: 1, status: 'FAILURE', arguments: { values: [] } });
    expect(last['error'].frames[0]).toEqual({ function: 'mean', tool: 'mean_tool', version: 1, file: 'mean_tool.ts', line: 5, column: 17 });
    expect(last['error'].code_frame).toContain('first!.valueOf()');
  });

  it('edit_tool goes through the gate (declared test and replayed call) and the fix serves at once', async () => {
    const edits = [{ old_string: BROKEN_MEAN.split('\n').slice(3, 5).join('\n'), new_string: FIXED_MEAN.split('\n')[3]! }];
    const edited = await s.call('edit_tool', { name: 'mean_tool', edits });
    expect(edited.isError, text(edited)).toBeFalsy();
    expect(structured(edited)).toMatchObject({ saved: true, version: 2, gate: { passed: true } });
    expect(structured(await s.call('mean_tool', { values: [] }))).toMatchObject({ status: 'SUCCESS', version: 2, result: { mean: 0 } });
  });

  it('list_executions lists the calls, newest first, and rollback_tool brings version 1 back as version 3', async () => {
    const listed = structured<{ executions: Array<{ status: string; version: number }> }>(await s.call('list_executions', { tool_name: 'mean_tool' }));
    expect(listed.executions.map((e) => [e.version, e.status])).toEqual([
      [2, 'SUCCESS'],
      [1, 'FAILURE'],
      [1, 'SUCCESS'],
    ]);
    const rolled = await s.call('rollback_tool', { name: 'mean_tool', version: 1 });
    expect(structured(rolled)).toMatchObject({ version: 3, rolled_back_to: 1 });
    const again = await s.call('mean_tool', { values: [] });
    expect(structured(again)).toMatchObject({ status: 'FAILURE', version: 3 });
    // Version 3 is version 1's source: a second failure of the same bug.
    const last = structured<{ version: number; error: { frames: Array<{ line: number; column: number }> } }>(await s.call('get_last_error', { tool_name: 'mean_tool' }));
    expect(last.version).toBe(3);
    expect(last.error.frames[0]).toMatchObject({ line: 5, column: 17 });
  });

  it('a tool’s ctx.kv writes are committed with its call', async () => {
    expect((await s.call('create_tool', { name: 'keeper', description: 'Keeps a value.', code: KV_TOOL })).isError).toBeFalsy();
    expect(structured(await s.call('keeper', { key: 'colour', value: { name: 'teal' } }))).toMatchObject({ status: 'SUCCESS', result: { kept: 'colour' } });
  });

  it('chameleon logs (and --groups) reads the log the server wrote', async () => {
    const logs = await cli(['logs']);
    expect(logs.code, logs.err).toBe(0);
    const rows = logs.out.trimEnd().split('\n').slice(1);
    expect(rows.map((l) => /(\w+@\d)\s+(SUCCESS|FAILURE)/.exec(l)?.slice(1).join(' '))).toEqual([
      'mean_tool@1 SUCCESS',
      'mean_tool@1 FAILURE',
      'mean_tool@2 SUCCESS',
      'mean_tool@3 FAILURE',
      'keeper@1 SUCCESS',
    ]);
    expect(rows[1]).toMatch(/TypeError: Cannot read properties of undefined .*\(mean_tool\.ts:5:17\)/);

    const groups = await cli(['logs', '--groups']);
    expect(groups.code, groups.err).toBe(0);
    // One bug, seen twice, in versions 1 and 3.
    expect(groups.out).toMatch(/mean_tool/);
    expect(groups.out.trimEnd().split('\n')).toHaveLength(2);
    expect(groups.out.split('\n')[1]).toMatch(/^\s+2\s+mean_tool\s+v1, v3\s/);

    const one = await cli(['logs', '--id', failedExecution]);
    expect(one.code, one.err).toBe(0);
    expect(one.out).toContain('mean_tool.ts:5:17');
  });

  it('chameleon tools list and tools diff read the tools the server wrote', async () => {
    const list = await cli(['tools', 'list']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/keeper\s/);
    expect(list.out).toMatch(/mean_tool\s+3\b/);
    const diff = await cli(['tools', 'diff', 'mean_tool', '1', '2']);
    expect(diff.code, diff.err).toBe(0);
    expect(diff.out).toContain('-  return first!.valueOf() / xs.length;');
    expect(diff.out).toContain('+  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;');
  });

  it('chameleon tools export and import copy a tool with its versions to another persona (import with the config’s store.password)', async () => {
    const exported = await cli(['tools', 'export', 'mean_tool']);
    expect(exported.code, exported.err).toBe(0);
    const file = path.join(temp.dir, 'mean.json');
    fs.writeFileSync(file, exported.out);
    const config = path.join(temp.dir, 'import-config.json');
    fs.writeFileSync(config, JSON.stringify({ store: { password: { env: 'STORE_PW' } } }));
    const imported = await cli(['tools', 'import', file, '--persona', 'copy', '--config', config], { STORE_PW: pg.superuserPassword! });
    expect(imported.code, imported.err).toBe(0);
    expect(imported.out).toMatch(/Imported 1 tool into persona copy: mean_tool \(3 versions, active 3\)/);
    expect((await cli(['tools', 'list', '--persona', 'copy'])).out).toMatch(/mean_tool\s+3\b/);
  });

  it('chameleon kv list and get read what the tool kept', async () => {
    const list = await cli(['kv', 'list', '--tool', 'keeper']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/colour/);
    const get = await cli(['kv', 'get', 'colour', '--tool', 'keeper']);
    expect(get.code, get.err).toBe(0);
    expect(JSON.parse(get.out)).toEqual({ name: 'teal' });
  });

  it('chameleon logs prune: a dry run deletes nothing, then the prune keeps the newest rows and each tool’s last failure', async () => {
    // The password from the config's store.password, as the server would read it.
    const config = path.join(temp.dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ store: { password: { env: 'STORE_PW' } } }));
    const withConfig = { STORE_PW: pg.superuserPassword! };
    const dry = await cli(['logs', 'prune', '--max-rows-per-persona', '1', '--dry-run', '--config', config], withConfig);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toBe(`Would delete 3 rows of the execution log in ${url} (default: 3). Nothing was deleted (--dry-run).\n`);
    expect((await cli(['logs'])).out.trimEnd().split('\n')).toHaveLength(6);

    const pruned = await cli(['logs', 'prune', '--max-rows-per-persona', '1', '--config', config], withConfig);
    expect(pruned.code, pruned.err).toBe(0);
    expect(pruned.out).toBe(`Deleted 3 rows of the execution log in ${url} (default: 3).\n`);
    const left = (await cli(['logs'])).out.trimEnd().split('\n').slice(1);
    // The newest row, and mean_tool's newest failure (kept for get_last_error).
    expect(left.map((l) => /(\w+@\d)\s+(SUCCESS|FAILURE)/.exec(l)?.slice(1).join(' '))).toEqual(['mean_tool@3 FAILURE', 'keeper@1 SUCCESS']);
    expect(structured(await s.call('get_last_error', { tool_name: 'mean_tool' }))).toMatchObject({ version: 3, status: 'FAILURE' });
    // Versions are never pruned.
    expect(structured<{ versions: unknown[] }>(await s.call('get_tool', { name: 'mean_tool' })).versions).toHaveLength(3);
  });
});
