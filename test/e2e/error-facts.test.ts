/**
 * Issue 13, items 4, 6 and 7 over MCP: a thrown value, a cause chain with properties, an
 * AggregateError's members and a result JSON would change reach an outside client as the
 * error object's `thrown`, `properties`, `cause` and `errors`, in results that the SDK client
 * validates against each meta-tool's announced outputSchema (a field the schema does not
 * allow would fail the call here, as it would for any client).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, structured, text, type Connected } from './helpers/cli.js';
import { suiteTempDir } from './helpers/temp.js';

const CODE = `
export default async (a: { what: string }) => {
  if (a.what === 'string') throw 'no such user';
  if (a.what === 'map') return { top: new Map([['a', 1]]) };
  if (a.what === 'any') return Promise.any([Promise.reject(new Error('eu down')), Promise.reject(new RangeError('us down'))]);
  try { JSON.parse('{'); } catch (err) {
    const e = new Error('config unreadable', { cause: err }) as Error & { code?: string };
    e.code = 'E_CONFIG';
    throw e;
  }
  return null;
};
`;

interface ErrorOut {
  kind: string;
  name: string;
  message: string;
  frames: { line: number }[];
  thrown?: { type: string; json: string };
  properties?: Record<string, unknown>;
  cause?: { name: string; frames: { line: number }[] };
  errors?: { name: string; message: string; frames: { line: number }[] }[];
}

describe('error facts over stdio', () => {
  let s: Connected;
  const temp = suiteTempDir();
  beforeAll(async () => {
    s = await connectStdio({ db: path.join(temp.dir, 'c.db') });
    const created = await s.call('create_tool', { name: 'facts', description: 'Fails in the ways issue 13 names.', code: CODE });
    expect(created.isError, text(created)).toBeFalsy();
  });
  afterAll(async () => {
    await s?.close();
    temp.remove();
  });

  it('a thrown string: located, its JSON in `thrown`, and the advice in the message', async () => {
    const out = await s.call('facts', { what: 'string' });
    expect(out.isError).toBe(true);
    const error = structured<{ error: ErrorOut }>(out).error;
    expect(error).toMatchObject({ kind: 'exception', name: 'thrown string', thrown: { type: 'string', json: '"no such user"' }, frames: [{ line: 3 }] });
    expect(text(out)).toContain('thrown string: "no such user". The tool threw a string, not an Error: throw new Error("no such user") instead');
  });

  it('a cause chain with properties, in run_tool and in get_last_error (structured and text)', async () => {
    const out = await s.call('run_tool', { name: 'facts', arguments: { what: 'cause' } });
    const error = structured<{ error: ErrorOut }>(out).error;
    expect(error).toMatchObject({ name: 'Error', properties: { code: 'E_CONFIG' }, cause: { name: 'SyntaxError', frames: [{ line: 6 }] } });
    expect(text(out)).toMatch(/\nCaused by: SyntaxError: .*\n {4}at default \(facts\.ts:6:\d+\)/);
    const last = await s.call('get_last_error', { tool_name: 'facts' });
    expect(last.isError).toBeFalsy();
    const view = structured<{ error: ErrorOut; text: string }>(last);
    expect(view.error).toMatchObject({ properties: { code: 'E_CONFIG' }, cause: { name: 'SyntaxError' } });
    expect(view.text).toContain('Properties: {"code":"E_CONFIG"}');
    expect(view.text).toContain('Caused by: SyntaxError');
  });

  it("Promise.any's members, each located, in get_execution", async () => {
    const out = await s.call('facts', { what: 'any' });
    const id = structured<{ execution_id: string }>(out).execution_id;
    const row = await s.call('get_execution', { id });
    expect(row.isError).toBeFalsy();
    const error = structured<{ error: ErrorOut }>(row).error;
    expect(error.errors?.map((e) => [e.name, e.message, e.frames[0]?.line])).toEqual([
      ['Error', 'eu down', 5],
      ['RangeError', 'us down', 5],
    ]);
  });

  it('a Map in the result is refused with its path, not returned as {}', async () => {
    const out = await s.call('facts', { what: 'map' });
    expect(out.isError).toBe(true);
    expect(structured<{ error: ErrorOut }>(out).error).toMatchObject({ kind: 'invalid_result' });
    expect(text(out)).toContain('result.top is a Map, which JSON turns into {}: return Object.fromEntries(map)');
  });
});
