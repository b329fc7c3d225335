/**
 * Integrity: source crafted to close the function the host wraps around a tool's compiled code
 * (`__chameleon_bind(function __chameleon_module(module, exports, require) {\n<code>\n})`) and
 * run statements outside it, at the script's top level, where a wrapper that concatenated text
 * would let them run once per context with the prelude's bindings in scope. Each attempt must be
 * a compile error (nothing saved, on create and on update), or, where the text sits inside a
 * string, comment or regex, run harmlessly as that literal.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { createOk, expectCompileRefusal, runOk } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const ESCAPE = 'globalThis.escaped = true; __chameleon_bind = null;';
const BREAKOUTS = [
  `export default () => 1;\n})(); ${ESCAPE} (function(){`,
  `export default () => 1;\n}); ${ESCAPE} __chameleon_bind(function(){`,
  `export default () => 1;\n})\n${ESCAPE}\n//`,
  `module.exports = () => 1;\n}, {}); ${ESCAPE} ({ x() {`,
  `export default () => 1;\n}\n}\n}\n${ESCAPE}`,
];

it('closing the module wrapper is a compile error, and inside literals it is just text', async () => {
  for (const [i, code] of BREAKOUTS.entries()) await expectCompileRefusal(server, `breakout_${i}`, code, i === 3 ? 'javascript' : 'typescript');

  // An update with a breakout is refused too, and version 1 keeps serving.
  await createOk(server, 'literal_breakout', `
const s = "})(); ${ESCAPE} (function(){";
const re = /\\}\\)\\(\\);/;
// })(); ${ESCAPE} (function(){
export default () => ({ s, re: re.source, escaped: (globalThis as any).escaped === true, bind: typeof (globalThis as any).__chameleon_bind });`);
  const updated = await server.call('update_tool', { name: 'literal_breakout', code: BREAKOUTS[0] });
  expect(updated.isError).toBe(true);
  expect(updated.structuredContent, textOf(updated)).toMatchObject({ saved: false, active_version: 1, error: { kind: 'compile' } });

  const result = await runOk(server, 'literal_breakout', {});
  expect(result).toEqual({ s: `})(); ${ESCAPE} (function(){`, re: '\\}\\)\\(\\);', escaped: false, bind: 'function' });
  await expectContained(server, { tool: 'literal_breakout' });
});
