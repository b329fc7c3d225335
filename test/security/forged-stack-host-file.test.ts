/**
 * Information leak: throw an error whose `stack` (a getter, run by the prelude) is forged to
 * name host files — the server's own dist/cli.js, /etc/passwd, a node: internal, a file: URL
 * — and another persona's tool, with line and column numbers, hoping the traceback mapper
 * reads those files (or that persona's source) to build frames and a code frame for the agent.
 * Only the calling persona's own tool scripts may be mapped; nothing is read from disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, ROOT, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attack } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const cli = path.join(ROOT, 'dist', 'cli.js');
const forged = [
  'Error: forged',
  `    at readConfig (${cli}:5:1)`,
  `    at file://${cli}:2:4`,
  '    at /etc/passwd:1:1',
  '    at node:internal/main/run_main_module:23:47',
  '    at chameleon/other_persona/secret_tool@1.js:1:1',
  '    at chameleon-prelude.js:1:1',
  '    at handler (chameleon/default/forged_stack@1.js:3:9)',
].join('\n');

const code = `const unused = 1;
export default () => {
  const e = new Error('forged');
  Object.defineProperty(e, 'stack', { get: () => ${JSON.stringify(forged)} });
  throw e;
};
`;

it('a forged stack naming host files is never resolved against the disk', async () => {
  const out = await attack(server, 'forged_stack', code);
  expect(out.status).toBe('FAILURE');
  const last = (await server.lastError('forged_stack')) as { error: { frames: Array<Record<string, unknown>>; code_frame: string | null; raw_stack: string }; text: string };
  // Only the frame naming the tool's own script may be kept (mapped through its source map).
  expect(last.error.frames.length).toBeLessThanOrEqual(1);
  for (const frame of last.error.frames) expect(frame).toMatchObject({ tool: 'forged_stack', file: 'forged_stack.ts' });
  // raw_stack is the guest's own text, returned as written (the host only marks it unmapped).
  expect(last.error.raw_stack.endsWith(forged)).toBe(true);
  // No line of any named host file made it into the code frame or the traceback text.
  const cliLines = fs.readFileSync(cli, 'utf8').split('\n').slice(0, 8).filter((l) => l.trim().length > 8);
  const passwd = fs.existsSync('/etc/passwd') ? fs.readFileSync('/etc/passwd', 'utf8').split('\n')[0]! : 'root:x:0:0';
  for (const text of [last.error.code_frame ?? '', last.text]) {
    for (const line of [...cliLines, passwd]) expect(text.includes(line.trim()), `host file line in traceback: ${line}`).toBe(false);
  }
  // Beyond the guest's own raw stack (which the text repeats verbatim when it cannot be mapped),
  // the traceback names neither the host paths nor the other persona's tool.
  const ownText = [last.error.code_frame ?? '', last.text.replace(last.error.raw_stack, '')].join('\n');
  expect(ownText).not.toContain('secret_tool');
  expect(ownText).not.toContain(ROOT);
  expect(ownText).not.toContain('/etc/passwd');
  await expectContained(server, { tool: 'forged_stack', kind: 'exception' });
});
