/**
 * Failure fingerprints across versions (issue 17, item 5) through the real MCP server over a
 * real engine: the same bug keeps its fingerprint when a later version adds unrelated lines
 * above it, a different bug gets another, get_last_error counts occurrences by version, and
 * list_executions groups by fingerprint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { allText, connectInMemory, type InMemoryClient } from '../helpers/mcp-client.js';

let engine: TestEngine;
let mcp: InMemoryClient;

beforeAll(async () => {
  engine = await startEngine();
  mcp = await connectInMemory(engine);
});
afterAll(async () => {
  await mcp.close();
  await engine.close();
});

// Two bugs: `text` missing (a TypeError on the split line) and a large n (thrown on purpose).
const V1 = [
  'export default function handler(a: { text?: string; n: number }) {',
  '  const rows = a.text!.split(",");',
  '  if (a.n > 5) throw new Error(`n too big: ${a.n}`);',
  '  return rows.length;',
  '}',
].join('\n');
// The same bugs with unrelated lines added above both, and the first bug's line re-indented.
const V2 = [
  '// Counts comma-separated values.',
  'const SEPARATOR = ",";',
  'export default function handler(a: { text?: string; n: number }) {',
  '  console.log("counting", SEPARATOR);',
  '    const rows = a.text!.split(",");',
  '  if (a.n > 5) throw new Error(`n too big: ${a.n}`);',
  '  return rows.length;',
  '}',
].join('\n');
// The first bug fixed; the second left.
const V3 = V2.replace('a.text!.split(",")', '(a.text ?? "").split(",")');

interface LastError {
  execution_id: string;
  version: number;
  error: { name: string; message: string; frames: Array<{ line: number }> };
  fingerprint: string | null;
  occurrences: number | null;
  first_seen: string | null;
  last_seen: string | null;
  versions: Array<number | null>;
  not_seen_since: number | null;
  text: string;
}

async function lastError(): Promise<LastError> {
  const out = await mcp.call('get_last_error', { tool_name: 'count_csv' });
  expect(out.isError, allText(out)).toBeFalsy();
  return out.structuredContent as unknown as LastError;
}

async function ok(name: string, args: Record<string, unknown>) {
  const out = await mcp.call(name, args);
  expect(out.isError, allText(out)).toBeFalsy();
  return out;
}

describe('fingerprints across versions', () => {
  const seen: Record<string, LastError> = {};

  beforeAll(async () => {
    await ok('create_tool', { name: 'count_csv', description: 'counts values', code: V1 });
    expect((await mcp.call('count_csv', { n: 1 })).isError).toBe(true);
    seen['v1 missing text'] = await lastError();
    expect((await mcp.call('count_csv', { n: 2 })).isError).toBe(true);
    await ok('update_tool', { name: 'count_csv', code: V2 });
    expect((await mcp.call('count_csv', { n: 3 })).isError).toBe(true);
    seen['v2 missing text'] = await lastError();
    expect((await mcp.call('count_csv', { text: 'a,b', n: 7 })).isError).toBe(true);
    expect((await mcp.call('count_csv', { text: 'a', n: 9 })).isError).toBe(true);
    seen['v2 n too big'] = await lastError();
  });

  it('keeps the fingerprint of a bug when a later version adds unrelated lines above it', () => {
    const [v1, v2] = [seen['v1 missing text']!, seen['v2 missing text']!];
    expect(v1.error.frames[0]!.line).toBe(2);
    expect(v2.error.frames[0]!.line).toBe(5);
    expect(v1.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(v2.fingerprint).toBe(v1.fingerprint);
  });

  it('gives a different bug another fingerprint, and the same one to its occurrences with other figures', () => {
    expect(seen['v2 n too big']!.fingerprint).not.toBe(seen['v2 missing text']!.fingerprint);
    expect(seen['v2 n too big']!.error.message).toBe('n too big: 9');
    expect(seen['v2 n too big']!.occurrences).toBe(2);
  });

  it('counts occurrences over versions in get_last_error', () => {
    const v2 = seen['v2 missing text']!;
    expect(v2).toMatchObject({ occurrences: 3, versions: [1, 2], not_seen_since: null });
    expect(v2.first_seen! < v2.last_seen!).toBe(true);
    expect(v2.text).toContain(`Seen 3 times in v1–v2 since ${v2.first_seen!.replace(/\.\d+Z$/, 'Z')}`);
    expect(seen['v1 missing text']!.text).toContain(`Seen once (fingerprint ${v2.fingerprint})`);
  });

  it('says a bug has not been seen since the version that fixed it', async () => {
    await ok('update_tool', { name: 'count_csv', code: V3 });
    await ok('count_csv', { n: 1 });
    // The latest failure is still the n-too-big one (v3 still has it, but nobody called it with a large n);
    // the missing-text bug is looked at through list_executions' groups.
    const groups = (await ok('list_executions', { tool_name: 'count_csv', group_by: 'fingerprint' })).structuredContent as {
      groups: Array<{ fingerprint: string; count: number; versions: number[]; sample_message: string; location: { line: number; version: number } | null; sample_execution_id: string }>;
      count: number;
    };
    expect(groups.count).toBe(2);
    const [big, missing] = groups.groups;
    expect(big).toMatchObject({ fingerprint: seen['v2 n too big']!.fingerprint, count: 2, versions: [2], sample_message: 'n too big: 9', location: { line: 6, version: 2 } });
    expect(missing).toMatchObject({ fingerprint: seen['v2 missing text']!.fingerprint, count: 3, versions: [1, 2], location: { line: 5, version: 2 } });
    expect(missing!.sample_message).toMatch(/reading 'split'/);

    expect((await mcp.call('count_csv', { text: 'a', n: 6 })).isError).toBe(true);
    const big3 = await lastError();
    expect(big3).toMatchObject({ fingerprint: seen['v2 n too big']!.fingerprint, occurrences: 3, versions: [2, 3], not_seen_since: null });
    expect(big3.text).toMatch(/Seen 3 times in v2–v3 since \S+Z, last at \S+Z \(fingerprint [0-9a-f]{16}\)\./);
  });

  it('says "not seen since" when the active version is past every version it happened in', async () => {
    await ok('update_tool', { name: 'count_csv', code: V3.replace('if (a.n > 5) throw', 'if (a.n > 500) throw') });
    await ok('count_csv', { text: 'a', n: 6 });
    const last = await lastError();
    expect(last).toMatchObject({ versions: [2, 3], not_seen_since: 4 });
    expect(last.text).toContain('; not seen since v4.');
  });

  it('lists each failure with its fingerprint, and get_execution gives it', async () => {
    const listed = (await ok('list_executions', { tool_name: 'count_csv', status: 'FAILURE', limit: 1 })).structuredContent as { executions: Array<{ error: { fingerprint?: string } }> };
    expect(listed.executions[0]!.error.fingerprint).toBe(seen['v2 n too big']!.fingerprint);
    const one = await ok('get_execution', { id: seen['v2 n too big']!.execution_id });
    expect(one.structuredContent).toMatchObject({ fingerprint: seen['v2 n too big']!.fingerprint });
  });

  it('refuses to group successes, and groups nothing before fingerprints existed', async () => {
    const refused = await mcp.call('list_executions', { group_by: 'fingerprint', status: 'SUCCESS' });
    expect(refused.isError).toBe(true);
    expect(allText(refused)).toMatch(/groups failures/);
    const none = await ok('list_executions', { group_by: 'fingerprint', since: '1s', tool_name: 'nothing_here' });
    expect(none.structuredContent).toEqual({ groups: [], count: 0 });
  });
});

describe('not seen since, with the regression gate', () => {
  it('names the first version that went live after the bug, not one the gate refused; a diff skips it too', async () => {
    const buggy = 'export default (a: { s?: string }) => ({ n: a.s!.length });';
    await ok('create_tool', { name: 'lengths', description: 'x', code: buggy, tests: [{ arguments: { s: 'ab' }, expect: { n: 2 } }] });
    expect((await mcp.call('lengths', {})).isError).toBe(true);
    // v2 fails its declared test: saved, refused, never live.
    const refused = await mcp.call('update_tool', { name: 'lengths', code: 'export default (a: { s?: string }) => ({ n: (a.s ?? "").length + 1 });' });
    expect(refused.isError, allText(refused)).toBe(true);
    await ok('update_tool', { name: 'lengths', code: 'export default (a: { s?: string }) => ({ n: (a.s ?? "").length });' });
    const last = (await ok('get_last_error', { tool_name: 'lengths' })).structuredContent as unknown as LastError;
    expect(last).toMatchObject({ version: 1, versions: [1], not_seen_since: 3 });
    // The default diff compares the active version with the one live before it, not the refused one.
    const diff = (await ok('get_tool', { name: 'lengths', diff: {} })).structuredContent as { diff: { from: { version: number; failures: number }; to: { version: number } } };
    expect(diff.diff.from).toMatchObject({ version: 1, failures: 1 });
    expect(diff.diff.to.version).toBe(3);
  });
});

describe('fingerprints of failures without frames', () => {
  it('groups invalid arguments by message, whatever the values were', async () => {
    await ok('create_tool', { name: 'typed', description: 'x', code: 'export default (a: { n: number }) => a.n;', input_schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } });
    expect((await mcp.call('typed', { n: 'one' })).isError).toBe(true);
    expect((await mcp.call('typed', { n: 'two' })).isError).toBe(true);
    const out = await ok('list_executions', { tool_name: 'typed', group_by: 'fingerprint' });
    const { groups } = out.structuredContent as { groups: Array<{ count: number; kind: string; location: unknown }> };
    expect(groups).toEqual([expect.objectContaining({ count: 2, kind: 'invalid_arguments', location: null })]);
  });
});
