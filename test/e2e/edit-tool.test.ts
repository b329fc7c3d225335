import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, structured, text, type Connected } from './helpers/cli.js';
import { suiteTempDir } from './helpers/temp.js';

// edit_tool over MCP (issue 17, item 2), through the built server as a client sees it.
const SOURCE = ['export default function ({ n }: { n: number }) {', '  const a = n * 2;', '  const b = n * 2;', '  return { a, b };', '}', ''].join('\n');

describe('edit_tool over stdio', () => {
  let s: Connected;
  const temp = suiteTempDir();
  beforeAll(async () => {
    s = await connectStdio({ db: path.join(temp.dir, 'e.db') });
    const created = await s.call('create_tool', { name: 'doubler', description: 'd', code: SOURCE });
    expect(created.isError, text(created)).toBeFalsy();
  });
  afterAll(async () => {
    await s?.close();
    temp.remove();
  });

  it('refuses an edit that matches twice with the lines, saves nothing, then takes a precise one', async () => {
    const twice = await s.call('edit_tool', { name: 'doubler', edits: [{ old_string: 'n * 2', new_string: 'n * 3' }] });
    expect(twice.isError).toBe(true);
    expect(structured<{ error: { code: string; message: string } }>(twice).error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/occurs 2 times .* at lines 2, 3/) });
    const ok = await s.call('edit_tool', { name: 'doubler', edits: [{ old_string: '  const b = n * 2;', new_string: '  const b = n * 3;' }] });
    expect(structured(ok)).toMatchObject({ saved: true, version: 2 });
    const run = await s.call('doubler', { n: 2 });
    expect(structured(run)).toMatchObject({ status: 'SUCCESS', result: { a: 4, b: 6 } });
  });

  it('answers unchanged, and makes no version, for an edit that changes nothing', async () => {
    const same = await s.call('edit_tool', { name: 'doubler', edits: [{ old_string: '  const a = n * 2;', new_string: '  const a = n * 2;' }] });
    expect(structured(same)).toMatchObject({ saved: true, unchanged: true, version: 2 });
    expect(text(same)).toMatch(/^Nothing changed: version 2 of doubler/);
    const tool = structured<{ versions: unknown[] }>(await s.call('get_tool', { name: 'doubler' }));
    expect(tool.versions).toHaveLength(2);
  });
});
