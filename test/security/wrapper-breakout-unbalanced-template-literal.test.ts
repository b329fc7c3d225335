/**
 * Integrity: unterminated constructs that would swallow the wrapper's closing text if the host
 * concatenated source without parsing it: an open template literal (the `\n})` would become its
 * content and the NEXT text the host appends would be code), an open `${`, a string ending in a
 * line continuation, an unterminated regex, an open block or parenthesis. And the reverse: a
 * complete template literal containing the wrapper's closing text, which must stay a string.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk, expectCompileRefusal, runOk } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

it('unbalanced literals are compile errors; balanced ones stay literal', async () => {
  const open = [
    'export default () => `',
    'export default () => `${',
    'export default () => `${`${1}`',
    'export default () => "abc\\',
    "export default () => 'abc\\\n",
    'export default () => /abc',
    'export default () => { return 1;',
    'export default (() => 1',
    'export default () => 1; `',
  ];
  for (const [i, code] of open.entries()) await expectCompileRefusal(server, `unbalanced_${i}`, code);

  const closing = '\n})\n; globalThis.escaped = true; (function(){\n';
  await createOk(server, 'balanced_template', `
const t = \`${closing}\${'\\u0060'}\`;
const raw = String.raw\`})\\n\${1}\`;
export default () => ({ t, raw, escaped: (globalThis as any).escaped === true });`);
  expect(await runOk(server, 'balanced_template', {})).toEqual({ t: `${closing}\``, raw: '})\\n1', escaped: false });
  await expectContained(server, { tool: 'balanced_template' });
});
