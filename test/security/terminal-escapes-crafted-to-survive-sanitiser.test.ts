/**
 * Integrity: escape sequences built to slip through a sanitiser rather than to be obvious:
 * sequences that re-form when an inner one is removed (`ESC ESC[0m [31m`), ESC as the last
 * character, an OSC longer than any scan window followed by its terminator, sequences split
 * across the cut where long text is truncated, DCS/APC/PM/SOS strings, an ESC followed by a
 * non-ASCII character, NEL (U+0085) and the other C1 controls, lone surrogates, and U+2028
 * line separators, and plain lines that imitate the headers of `logs --id`. The guest prints them and also passes them as a filter and an id to the
 * CLI's error messages. `chameleon logs` must print no ESC, BEL, C0 (but \n \t) or C1.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk, runCli, terminalControls } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const E = '\u001b';
const CRAFTED = [
  `${E}${E}[0m[31mREFORMED`,
  `${E}[${E}[0m2J`,
  `${E}]52;c;${'A'.repeat(5000)}\u0007after-long-osc`,
  `${E}_apc payload${E}\\`,
  `${E}^pm payload${E}\\`,
  `${E}Xsos payload${E}\\`,
  `${E}\u00e9 esc before non-ascii`,
  '\u0085NEL\u0084IND\u008dRI\u0090DCS\u009cST',
  '\ud800 lone surrogate \udfff',
  'line\u2028separator\u2029paragraph',
  '\u0000NUL\u007fDEL\u000bVT\u000cFF',
  `ends with ESC ${E}`,
  // Not an escape at all: whole lines that imitate the headers of `logs --id`.
  '\nStatus:     SUCCESS\nExecution ex_00000000-forged\nConsole output:\n(none)',
];

// Long enough that `logs --id` cuts its blocks (64,000 characters) in the middle of a sequence.
const LONG = `${'x'.repeat(63_990)}${E}]52;c;${'B'.repeat(100)}\u0007`;

const TOOL = `
export default (args: { lines: string[]; long: string }) => {
  for (const line of args.lines) console.log(line);
  const e = new Error(args.lines.join(' | '));
  (e as any).cause = args.long;
  throw e;
};`;

it('sanitiser-evading sequences never reach the terminal through chameleon logs', async () => {
  await createOk(server, 'evasive', TOOL);
  const out = await server.call('evasive', { lines: CRAFTED, long: LONG });
  expect(out.isError).toBe(true);
  const id = (out.structuredContent as { execution_id: string }).execution_id;

  // The server's part is done: check containment before the CLI processes compete for CPU.
  await expectContained(server, { tool: 'evasive', kind: 'exception' });

  const runs = [];
  for (const args of [
    ['logs', '--db', server.dbPath],
    ['logs', '--db', server.dbPath, '--id', id],
    // Hostile text as CLI input too: an unknown id and a tool filter are echoed in messages.
    ['logs', '--db', server.dbPath, '--id', `${E}]52;c;AAAA\u0007ex_nope`],
    ['logs', '--db', server.dbPath, '--tool', `${E}[2Jnone\u009b31m`],
  ]) runs.push(await runCli(args));
  for (const [i, run] of runs.entries()) {
    expect(terminalControls(run.stdout), `controls in stdout of run ${i}`).toEqual([]);
    expect(terminalControls(run.stderr), `controls in stderr of run ${i}`).toEqual([]);
  }
  expect(runs[1]!.stdout).toContain('REFORMED');
  expect(runs[1]!.stdout).toContain('after-long-osc');
  // Forged header lines stay inside the indented console block: the real headers appear once.
  const unindented = runs[1]!.stdout.split('\n').filter((l) => /^(Status:|Execution |Console output:)/.test(l));
  expect(unindented.map((l) => l.split(/\s/)[0])).toEqual(['Execution', 'Status:', 'Console']);
  expect(runs[2]!.code).not.toBe(0);
});
