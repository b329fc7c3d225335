/**
 * Integrity: U+2028/U+2029 are line terminators to JavaScript but not to most editors and
 * diff views. In a `//` comment they END the comment, so "commented-out" text after them is
 * code (a Trojan-source trick aimed at whoever reviews the tool); in string literals they are
 * legal since ES2019; at the very end of the source they could shift the host wrapper's lines.
 * Whatever the compiler and V8 make of them, it is the same thing (the hidden statement runs,
 * inside the sandbox, where it can do nothing), the source is stored verbatim, and positions
 * stay right.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk, runOk } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

it('U+2028/U+2029 in comments and strings cannot escape the wrapper', async () => {
  const LS = '\u2028';
  const PS = '\u2029';
  const code = [
    'const hidden: string[] = [];',
    // Tool code is strict: the write to the frozen global throws, so the hidden code catches it.
    `// looks like a comment${LS}hidden.push('ran after LS'); try { (globalThis as any).escaped = true; } catch { hidden.push('global write refused'); }`,
    `/* block ${LS} comment */ const s = "a${LS}b${PS}c";`,
    `// another${PS}hidden.push('ran after PS');`,
    `export default () => ({ hidden, s, escaped: (globalThis as any).escaped === true });`,
    `// })(); (globalThis as any).atEnd = true;${LS}`,
  ].join('\n');
  await createOk(server, 'line_separators', code);
  expect((await server.call('get_tool', { name: 'line_separators' })).structuredContent).toMatchObject({ source: code });
  // The "commented" statements run (as JavaScript says), inside the sandbox: the frozen global
  // keeps nothing, and the string keeps its separators.
  const expected = { hidden: ['ran after LS', 'global write refused', 'ran after PS'], s: `a${LS}b${PS}c`, escaped: false };
  expect(await runOk(server, 'line_separators', {})).toEqual(expected);
  expect(await runOk(server, 'line_separators', {})).toEqual(expected);
  await expectContained(server, { tool: 'line_separators' });
});
