/**
 * Integrity: magic comments that point tooling at host files. `//# sourceMappingURL=` naming
 * the server's own source map, `//# sourceURL=` renaming the script to a host file (so stack
 * frames and code frames would be attributed to, and read from, it), in the `//#` and old `//@`
 * forms, and the same text inside a template literal, where it is no comment at all. Then an
 * INLINE source map (`data:` URL) naming dist/cli.js as the original source and mapping every
 * line to it (the compiler used to compose it into ours; it now ignores it, see
 * forged-source-map-comments.test.ts for the exact line that proves it). The tools throw. Their failures must point at
 * their own files only, quote only their own source, and show nothing of any host file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, ROOT, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { createOk } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const CLI_JS = path.join(ROOT, 'dist', 'cli.js');

interface Failure {
  frames: Array<{ file: string; line: number; tool: string }>;
  code_frame: string | null;
}

async function failureOf(name: string): Promise<{ failure: Failure; everything: string }> {
  const out = await server.call(name, {});
  expect(out.isError).toBe(true);
  const last = await server.call('get_last_error', { tool_name: name });
  const failure = (out.structuredContent as { error: Failure }).error;
  return { failure, everything: `${textOf(out)}\n${JSON.stringify(out.structuredContent)}\n${textOf(last)}\n${JSON.stringify(last.structuredContent)}` };
}

function expectNoHostContent(everything: string, ownSource: string): void {
  const cliLines = fs.readFileSync(CLI_JS, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.length > 25).slice(0, 40);
  for (const line of cliLines) expect(everything.includes(line), `a line of dist/cli.js: ${line}`).toBe(false);
  expect(everything).not.toContain('root:x:0:0');
  // A host path appears only where the agent wrote it itself (in its quoted source).
  const quoted = new Set([ownSource, ...ownSource.split('\n')]);
  let rest = everything;
  for (const q of [...quoted].sort((a, b) => b.length - a.length)) if (q) rest = rest.split(q).join('').split(JSON.stringify(q).slice(1, -1)).join('');
  expect(rest.includes(ROOT), 'a host path outside the quoted source').toBe(false);
}

it('sourceMappingURL and sourceURL comments cannot attribute frames to host files', async () => {
  const comments = [
    `//# sourceMappingURL=file://${CLI_JS}.map`,
    '//# sourceURL=/etc/passwd',
    `//@ sourceURL=${CLI_JS}`,
    'const banner = `',
    `//# sourceURL=${CLI_JS}`,
    '`;',
    'export default () => {',
    "  throw new Error('thrown on line 8 ' + banner.length);",
    '};',
    `//# sourceURL=${CLI_JS}`,
  ].join('\n');
  await createOk(server, 'magic_comments', comments);
  expect((await server.call('get_tool', { name: 'magic_comments' })).structuredContent).toMatchObject({ source: comments });
  const a = await failureOf('magic_comments');
  expect(a.failure.frames.length).toBeGreaterThan(0);
  for (const frame of a.failure.frames) expect(frame).toMatchObject({ file: 'magic_comments.ts', tool: 'magic_comments' });
  expect(a.failure.frames[0]!.line).toBe(8);
  expect(a.failure.code_frame).toContain("throw new Error('thrown on line 8 '");
  expectNoHostContent(a.everything, comments);

  // An inline map naming the host file, with content and a mapping for every line.
  const map = { version: 3, sources: [CLI_JS, '/etc/passwd'], sourcesContent: null, names: ['hostFunction'], mappings: Array.from({ length: 40 }, () => 'AAAAA').join(';') };
  const inline = [
    'export default () => {',
    "  throw new Error('inline map');",
    '};',
    `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`,
  ].join('\n');
  await createOk(server, 'inline_map', inline);
  const b = await failureOf('inline_map');
  // The map can only move the tool's own frames around inside its own file (or lose them).
  for (const frame of b.failure.frames) expect(frame).toMatchObject({ file: 'inline_map.ts', tool: 'inline_map' });
  // Every numbered line of a code frame is a line of the tool's own source.
  for (const line of (b.failure.code_frame ?? '').split('\n')) {
    const quoted = /^[> ]\s*\d+ \| (.*)$/.exec(line)?.[1];
    if (quoted !== undefined) expect(inline.includes(quoted.replace(/…$/, '').slice(0, 60)), line).toBe(true);
  }
  expectNoHostContent(b.everything, inline);
  await expectContained(server, { tool: 'inline_map', kind: 'exception' });
});
