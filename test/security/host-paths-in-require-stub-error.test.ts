/**
 * Information leak: let the require stub's error go unhandled at module load, so it travels
 * the whole way — prelude, sandbox process, server, traceback mapping, the log — and read
 * every field the agent can see (the call result, get_last_error's message, raw_stack,
 * frames, code_frame and text) for host paths, host stack frames, `node:`/`file:` URLs, the
 * build folder and the canary.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attack, expectNoHostLeak, lastErrorWithoutLeaks } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `declare const require: any;
export default () => require('fs').readFileSync('/etc/hostname', 'utf8');
`;

it('an unhandled require-stub error shows the agent no host path or frame', async () => {
  const out = await attack(server, 'require_error_leak', code);
  expect(out.status).toBe('FAILURE');
  expect(out.error).toMatchObject({ kind: 'exception', name: 'Error', message: expect.stringMatching(/^require\("fs"\) is not available/) });
  expectNoHostLeak(server, JSON.stringify(out), 'call result');
  const last = await lastErrorWithoutLeaks(server, 'require_error_leak');
  // The traceback points at the agent's own require line, in the agent's own file name.
  expect(last.error.frames[0]).toMatchObject({ tool: 'require_error_leak', file: 'require_error_leak.ts', line: 2 });
  expect(last.error.code_frame).toContain("require('fs')");
  expect(last.text).toContain('require_error_leak.ts');
  await expectContained(server, { tool: 'require_error_leak', kind: 'exception' });
});
