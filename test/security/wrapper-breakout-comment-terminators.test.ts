/**
 * Integrity: comment tricks against the host's wrapper. A stray star-slash that would close a
 * comment the host opened; an unterminated slash-star that would comment out the wrapper's
 * closing `})`; a trailing `//` without a newline; and the legacy HTML-like comments `<!--`
 * and `-->` that V8 still honours in sloppy scripts (so text the tool's compiler thought was
 * code could become a comment, or the reverse). Each is a compile error, or compiles to code
 * whose meaning is the same for the compiler and for V8, running harmlessly in the sandbox.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk, expectCompileRefusal, runOk } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const ESCAPE = 'globalThis.escaped = true;';

it('comment terminators cannot unbalance the wrapper', async () => {
  await expectCompileRefusal(server, 'stray_close', `export default () => 1; */ ${ESCAPE} /*`);
  await expectCompileRefusal(server, 'open_comment', `export default () => 1; /* })(); ${ESCAPE}`);
  await expectCompileRefusal(server, 'html_open_module', `export default () => 1;\n<!-- })(); ${ESCAPE} (function(){`);
  await expectCompileRefusal(server, 'html_close_module', `export default () => 1;\n--> })(); ${ESCAPE}`);

  // A trailing line comment with no newline: the wrapper's own newline ends it.
  await createOk(server, 'trailing_comment', `export default () => ({ escaped: (globalThis as any).escaped === true }); // })(); ${ESCAPE}`);
  expect(await runOk(server, 'trailing_comment', {})).toEqual({ escaped: false });

  // CommonJS JavaScript is a script: `<!--` and `-->` at a line start ARE comments there, for
  // the compiler and for V8 alike. What follows them must not run; the rest must.
  await createOk(
    server,
    'html_comment_script',
    `var ran = [];\nran.push('before');\n<!-- ran.push('html-open'); })(); ${ESCAPE} (function(){\n--> ran.push('html-close'); ${ESCAPE}\nran.push('after');\nmodule.exports = () => ({ ran, escaped: globalThis.escaped === true });`,
    { language: 'javascript' },
  );
  expect(await runOk(server, 'html_comment_script', {})).toEqual({ ran: ['before', 'after'], escaped: false });
  await expectContained(server, { tool: 'html_comment_script' });
});
