/**
 * `chameleon kv list|get` and the effects `chameleon logs --id` prints, against a real
 * database whose entries were committed the way calls commit them (with their log rows).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import type { Effect, KvWrite } from '../../src/model.js';
import { openStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-dir.js';
import { execution } from '../unit/store/fixtures.js';
import { runCli, spawnCli } from '../unit/cli/program.js';

// Anything a terminal would act on, except the \n we print ourselves.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const EVIL = '\u001b[2J\u001b]0;owned\u0007\u009b31m\u202e';
const AT = '2026-11-30T20:00:00.000Z';

let db: string;
const write = (namespace: string, key: string, value: unknown): KvWrite => ({ namespace, key, valueJson: JSON.stringify(value), at: AT });
const EFFECTS: Effect[] = [
  { op: 'fetch', method: 'GET', origin: 'https://api.example.org', path: '/items?page=', status: 200, bytes: 2048, ms: 31.5, redirects: 1 },
  { op: 'kv.get', namespace: 'tool:notes', key: 'todo', found: true, bytes: 12 },
  { op: 'kv.set', namespace: 'tool:notes', key: `evil${EVIL}`, bytes: 3 },
  { op: 'kv.delete', namespace: 'tool:notes', key: 'old', found: false },
  { op: 'kv.list', namespace: 'persona', prefix: 'user/', count: 2 },
  { op: 'kv.set', namespace: 'tool:notes', key: 'huge', refused: 'maxValueBytes' },
  { op: 'omitted', count: 40 },
];

beforeAll(() => {
  // Not in a per-test temp dir: the file serves every test of this file.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-cli-kv-'));
  db = path.join(dir, 'chameleon.db');
  const store = openStore(db, { backgroundCheckpoints: false });
  store.executions.insert(
    execution({
      id: 'ex_11111111-aaaa',
      persona: 'default',
      toolName: 'notes',
      effects: EFFECTS,
      kvWrites: [
        write('tool:notes', 'todo', ['milk', 'eggs']),
        write('tool:notes', 'user/2', 2),
        write('tool:notes', 'user/1', { name: `Mallory${EVIL}`, note: 'line\u2028break' }),
        write('tool:notes', `evil${EVIL}`, 1),
        write('persona', 'shared', true),
      ],
    }),
  );
  store.executions.insert(execution({ id: 'ex_22222222-bbbb', persona: 'bob', toolName: 'notes', kvWrites: [write('tool:notes', 'bobs', 1)] }));
  store.close();
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

describe('chameleon kv list', () => {
  it('lists the persona\'s namespaces with keys and bytes when no namespace is named', async () => {
    const { code, rt } = await runCli(['kv', 'list', '--db', db]);
    expect(code).toBe(0);
    const lines = rt.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+KEYS\s+BYTES$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 2))).toEqual([
      ['persona', '1'],
      ['tool:notes', '4'],
    ]);
    const bob = await runCli(['kv', 'list', '--db', db, '--persona', 'bob']);
    expect(bob.rt.out()).toMatch(/tool:notes\s+1\s/);
  });

  it('lists a tool\'s keys in key order with size, time and the call that wrote each, nothing a terminal obeys', async () => {
    const { code, rt } = await runCli(['kv', 'list', '--db', db, '--tool', 'notes']);
    expect(code).toBe(0);
    const lines = rt.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KEY\s+BYTES\s+UPDATED \(UTC\)\s+BY CALL$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[0])).toEqual([expect.stringMatching(/^"evil\\u001b\[2J/), '"todo"', '"user/1"', '"user/2"']);
    expect(lines[2]).toMatch(/"todo"\s+19 B\s+2026-11-30 20:00:00\.000\s+ex_11111111$/);
    expect(rt.out()).not.toMatch(UNSAFE);
  });

  it('takes --prefix, and pages with --limit and --after', async () => {
    const prefixed = await runCli(['kv', 'list', '--db', db, '--tool', 'notes', '--prefix', 'user/']);
    expect(prefixed.rt.out().trimEnd().split('\n').slice(1).map((l) => l.split(/\s{2,}/)[0])).toEqual(['"user/1"', '"user/2"']);
    const first = await runCli(['kv', 'list', '--db', db, '--tool', 'notes', '--prefix', 'user/', '--limit', '1']);
    expect(first.rt.out()).toMatch(/"user\/1"/);
    expect(first.rt.out()).not.toMatch(/"user\/2"/);
    expect(first.rt.err()).toBe("More keys follow: pass --after 'user/1' for the next page.\n");
    const next = await runCli(['kv', 'list', '--db', db, '--tool', 'notes', '--prefix', 'user/', '--limit', '1', '--after', 'user/1']);
    expect(next.rt.out()).toMatch(/"user\/2"/);
    expect(next.rt.err()).toBe('');
    const none = await runCli(['kv', 'list', '--db', db, '--shared', '--prefix', 'zzz']);
    expect(none.rt.err()).toBe('No keys in persona starting with "zzz" for persona default.\n');
  });

  it('refuses --tool with --shared, and a tool name no tool can have', async () => {
    await expect(runCli(['kv', 'list', '--db', db, '--tool', 'notes', '--shared'])).rejects.toThrow(/cannot be used with/);
    await expect(runCli(['kv', 'list', '--db', db, '--tool', 'No:tes'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('chameleon kv get', () => {
  it('prints the value as pretty JSON, characters a terminal obeys written as \\u escapes (the same JSON)', async () => {
    const { code, rt } = await runCli(['kv', 'get', 'user/1', '--db', db, '--tool', 'notes']);
    expect(code).toBe(0);
    expect(rt.out()).not.toMatch(UNSAFE);
    expect(rt.out()).not.toContain('\u2028');
    expect(JSON.parse(rt.out())).toEqual({ name: `Mallory${EVIL}`, note: 'line\u2028break' });
    expect(rt.out()).toContain('\n  "name": "Mallory\\u001b[2J');
    const shared = await runCli(['kv', 'get', 'shared', '--db', db, '--shared']);
    expect(shared.rt.out()).toBe('true\n');
  });

  it('exits 1 for a missing key, and asks which namespace when none is named', async () => {
    const missing = await runCli(['kv', 'get', 'nope', '--db', db, '--tool', 'notes']);
    expect(missing.code).toBe(1);
    expect(missing.rt.err()).toBe('No key "nope" in tool:notes for persona default. Run `chameleon kv list --tool notes` to see its keys.\n');
    await expect(runCli(['kv', 'get', 'todo', '--db', db])).rejects.toThrow(/Say which namespace: --tool NAME for a tool's own, or --shared/);
  });
});

describe('chameleon logs --id with effects', () => {
  it('prints what the call did outside itself, one line each, key names and sizes only', async () => {
    const { code, rt } = await runCli(['logs', '--db', db, '--id', 'ex_11111111']);
    expect(code).toBe(0);
    const out = rt.out();
    expect(out).not.toMatch(UNSAFE);
    const block = out.slice(out.indexOf('Effects (fetch, kv, ctx.mcp, tool calls; in order):'), out.indexOf('Console output:'));
    expect(block.trimEnd().split('\n').slice(1).map((l) => l.trim())).toEqual([
      'fetch GET https://api.example.org/items?page= -> 200, 2.0 KB, 32 ms (1 redirect)',
      'kv.get tool:notes "todo" -> found, 12 B',
      expect.stringMatching(/^kv\.set tool:notes "evil\\u001b\[2J.*" -> 3 B$/),
      'kv.delete tool:notes "old" -> was absent',
      'kv.list persona prefix "user/" -> 2 keys',
      'kv.set tool:notes "huge" -> refused: maxValueBytes',
      '… 40 more not kept in the log',
    ]);
  });
});

describe('chameleon kv (the built CLI)', () => {
  it('lists and reads a real database, and exits 2 for a missing one', () => {
    const list = spawnCli(['kv', 'list', '--db', db, '--tool', 'notes']);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/"todo"\s+19 B/);
    expect(list.stdout).not.toMatch(UNSAFE);
    const get = spawnCli(['kv', 'get', 'todo', '--db', db, '--tool', 'notes']);
    expect(get.status).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual(['milk', 'eggs']);
    const missing = spawnCli(['kv', 'list', '--db', path.join(tempDir(), 'nope.db')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/No database at/);
  });
});
