/**
 * Information leak: a JSON.parse failure several frames deep (through a callback, a class
 * method and an async continuation), left unhandled, and the same error printed with
 * console.log and ctx.log. Neither the traceback the agent gets (get_last_error) nor the
 * captured console output may show a host path, host frame or the canary.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attack, expectNoHostLeak, lastErrorWithoutLeaks } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `class Reader {
  read(text: string) {
    return [text].map((t) => JSON.parse(t))[0];
  }
}
export default async (args: { text: string }, ctx: any) => {
  await null;
  try { new Reader().read(args.text); } catch (e) { console.log(e); ctx.log('again:', e); }
  return new Reader().read(args.text);
};
`;

it('a deep JSON.parse error shows no host path in the traceback or the console', async () => {
  const out = await attack(server, 'json_parse_leak', code, { text: '{"unterminated": ' });
  expect(out.status).toBe('FAILURE');
  expect(out.error).toMatchObject({ kind: 'exception', name: 'SyntaxError' });
  expectNoHostLeak(server, JSON.stringify(out), 'call result');
  // console.log of an Error prints its stack: the isolate's frames only.
  expect(out.console).toMatch(/^SyntaxError: .*JSON/);
  expectNoHostLeak(server, out.console, 'console output');
  const last = await lastErrorWithoutLeaks(server, 'json_parse_leak');
  expect(last.error.frames.map((f) => f.line)).toEqual([3, 3, 9]);
  expectNoHostLeak(server, String(last.console), 'get_last_error console');
  await expectContained(server, { tool: 'json_parse_leak', kind: 'exception' });
});
