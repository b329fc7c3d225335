import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, structured, text, type Connected } from './helpers/cli.js';
import { suiteTempDir } from './helpers/temp.js';

// The regression gate over MCP (issue 17, item 3), through the built server as a client sees it.
const SOURCE = ['export default function ({ csv }: { csv: string }) {', '  const rows = csv.split("\\n").filter((l) => l !== "");', '  return { rows: rows.length };', '}', ''].join('\n');
const TESTS = [{ name: 'two rows', arguments: { csv: 'a\nb\n' }, expect: { rows: 2 } }];

interface GateOut {
  saved: boolean;
  active?: boolean;
  version: number;
  active_version?: number;
  gate: { passed: boolean; forced: boolean; failing: number; cases: Array<{ source: string; name?: string; status: string; after: { status: string; error?: { kind: string; frames: Array<{ line: number; column: number }>; code_frame: string | null } } | null }> };
}

describe('the regression gate over stdio', () => {
  let s: Connected;
  const temp = suiteTempDir();
  beforeAll(async () => {
    s = await connectStdio({ db: path.join(temp.dir, 'g.db') });
    const created = await s.call('create_tool', { name: 'count_rows', description: 'd', code: SOURCE, tests: TESTS });
    expect(created.isError, text(created)).toBeFalsy();
    // A call that succeeds: the gate replays it.
    expect(structured(await s.call('count_rows', { csv: 'x' }))).toMatchObject({ status: 'SUCCESS', result: { rows: 1 } });
  });
  afterAll(async () => {
    await s?.close();
    temp.remove();
  });

  it('refuses a patch that breaks a declared test and a replayed call, with the report, then forced', async () => {
    const edits = [{ old_string: '  return { rows: rows.length };', new_string: '  return { rows: rows.map((r) => r.cells.length).length };' }];
    const refused = await s.call('edit_tool', { name: 'count_rows', edits });
    expect(refused.isError).toBe(true);
    const out = structured<GateOut>(refused);
    expect(out).toMatchObject({ saved: true, active: false, refused_by: 'gate', version: 2, active_version: 1, gate: { passed: false, failing: 2 } });
    expect(out.gate.cases.map((c) => [c.source, c.status])).toEqual([['test', 'failed'], ['replay', 'failed']]);
    expect(out.gate.cases[0]!.after!.error).toMatchObject({ kind: 'exception', frames: [{ line: 3, column: 42 }, { line: 3 }] });
    expect(out.gate.cases[0]!.after!.error!.code_frame).toContain('r.cells.length');
    expect(text(refused)).toMatch(/^count_rows version 2 is NOT active: the regression gate refused it \(2 failing cases\)\. Version 1 keeps serving\./);
    expect(text(refused)).toMatch(/\[FAILED\] test "two rows" with arguments/);
    // Still served by version 1; version 2 is in the history, never active.
    expect(structured(await s.call('count_rows', { csv: 'x\ny' }))).toMatchObject({ status: 'SUCCESS', version: 1 });
    const details = await s.call('get_tool', { name: 'count_rows' });
    expect(text(details)).toMatch(/Versions: 1 \(create, active\), 2 \(edit, refused by the gate: 2 failing cases, never active\)/);
    const v2 = structured<{ gate: { failing: number } }>(await s.call('get_tool', { name: 'count_rows', version: 2 }));
    expect(v2.gate.failing).toBe(2);

    const forced = await s.call('edit_tool', { name: 'count_rows', edits, force: true });
    expect(forced.isError).toBeFalsy();
    // Version 1 has one more successful call now (x\ny): three cases fail.
    expect(structured(forced)).toMatchObject({ saved: true, version: 3, gate: { passed: false, forced: true, failing: 3 } });
    expect(text(forced)).toMatch(/FORCED past 3 failing gate cases/);
    const history = text(await s.call('get_tool', { name: 'count_rows' }));
    expect(history).toMatch(/3 \(edit, forced past 3 failing cases, active\)/);
    // Gate cases never reach the log: the only failure is none.
    const last = await s.call('get_last_error', { tool: 'count_rows' });
    expect(text(last)).not.toMatch(/cells/);
  });
});
