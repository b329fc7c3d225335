import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, structured, text, type Connected } from './helpers/cli.js';
import { suiteTempDir } from './helpers/temp.js';

// Failure fingerprints and version diffs over MCP (issue 17, items 4 and 5), through the built
// server as a client sees it: the same bug in two versions, the second with lines added above it.
const V1 = ['export default function ({ user }: { user?: { name: string } }) {', '  return { greeting: "Hello, " + user!.name };', '}', ''].join('\n');
const V2 = ['// Greets a user.', 'export default function ({ user }: { user?: { name: string } }) {', '  console.log("greeting");', '  return { greeting: "Hello, " + user!.name };', '}', ''].join('\n');
const V3 = V2.replace('user!.name', '(user?.name ?? "stranger")');

interface LastError {
  version: number;
  fingerprint: string;
  occurrences: number;
  first_seen: string;
  last_seen: string;
  versions: number[];
  not_seen_since: number | null;
  text: string;
}

describe('fingerprints and diffs over stdio', () => {
  let s: Connected;
  const temp = suiteTempDir();
  beforeAll(async () => {
    s = await connectStdio({ db: path.join(temp.dir, 'f.db') });
    expect((await s.call('create_tool', { name: 'greet', description: 'g', code: V1 })).isError).toBeFalsy();
  });
  afterAll(async () => {
    await s?.close();
    temp.remove();
  });

  it('get_last_error says how often the bug was seen and in which versions, across a version that moved it', async () => {
    expect((await s.call('greet', {})).isError).toBe(true);
    expect((await s.call('greet', {})).isError).toBe(true);
    // Line 2 in v1, line 4 in v2: another position, the same bug.
    expect((await s.call('update_tool', { name: 'greet', code: V2 })).isError).toBeFalsy();
    expect((await s.call('greet', {})).isError).toBe(true);
    const last = structured<LastError>(await s.call('get_last_error', { tool_name: 'greet' }));
    expect(last).toMatchObject({ version: 2, occurrences: 3, versions: [1, 2], not_seen_since: null });
    expect(last.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(last.text).toMatch(/\nSeen 3 times in v1–v2 since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, last at \S+Z \(fingerprint [0-9a-f]{16}\)\.\n/);

    expect((await s.call('update_tool', { name: 'greet', code: V3 })).isError).toBeFalsy();
    expect(structured(await s.call('greet', {}))).toMatchObject({ status: 'SUCCESS', result: { greeting: 'Hello, stranger' } });
    const after = structured<LastError>(await s.call('get_last_error', { tool_name: 'greet' }));
    expect(after).toMatchObject({ fingerprint: last.fingerprint, not_seen_since: 3 });
    expect(after.text).toContain('; not seen since v3.');
  });

  it('get_tool diff compares the previous version with the active one, with each one\'s calls and last failure', async () => {
    const out = await s.call('get_tool', { name: 'greet', diff: {} });
    expect(out.isError, text(out)).toBeFalsy();
    const { diff } = structured<{ diff: { from: Record<string, unknown>; to: Record<string, unknown>; unified: string; added: number; removed: number; metadata: unknown[] } }>(out);
    expect(diff.from).toMatchObject({ version: 2, active: false, calls: 1, failures: 1, last_failure: { kind: 'exception', name: 'TypeError', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) } });
    expect(diff.to).toMatchObject({ version: 3, active: true, calls: 1, failures: 0, last_failure: null });
    expect(diff).toMatchObject({ added: 1, removed: 1, metadata: [] });
    expect(diff.unified).toContain('--- greet.ts@v2\n+++ greet.ts@v3\n@@ ');
    expect(diff.unified).toContain('\n-  return { greeting: "Hello, " + user!.name };\n+  return { greeting: "Hello, " + (user?.name ?? "stranger") };\n');
    expect(text(out)).toContain('Diff of greet v2 → v3:\nv2: 1 call, 1 failed; last failure TypeError');
    expect(text(out)).not.toContain('Source of version 3:');

    const older = structured<{ diff: { from: { version: number; calls: number }; metadata: unknown[] } }>(await s.call('get_tool', { name: 'greet', diff: { from: 1, to: 3 } }));
    expect(older.diff.from).toMatchObject({ version: 1, calls: 2 });
  });

  it('get_tool diff names the versions there are when asked for one that is not', async () => {
    const out = await s.call('get_tool', { name: 'greet', diff: { from: 9 } });
    expect(out.isError).toBe(true);
    expect(text(out)).toMatch(/has no version 9\. Its versions are: 1, 2, 3/);
  });
});
