/**
 * Integrity: a tool that lies about where its own frames are. Its source carries an INLINE
 * source map (`//# sourceMappingURL=data:...`) that maps every line to line 1 of a host-like
 * file, and `sourceURL` comments in every form V8 or a compiler might read (`//#`, legacy `//@`,
 * `/*# ... *\/`, and `/*@ ... @license *\/`, which esbuild keeps as a legal comment) naming a host
 * file. Before the fix esbuild composed the author's map into ours, so the traceback said line
 * 1 (and the map named the forged file). The failure must name the line the tool really threw
 * on, in the tool's own file, and its raw stack the tool's own virtual filename.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const FORGED = '/srv/chameleon/dist/cli.js';

/** A map that sends every generated line to line 1, column 0 of FORGED. */
const forgedMap = {
  version: 3,
  sources: [FORGED],
  sourcesContent: ['host secrets would be quoted from here'],
  names: ['hostFunction'],
  mappings: Array.from({ length: 60 }, () => 'AAAAA').join(';'),
};
const inlineMap = `data:application/json;base64,${Buffer.from(JSON.stringify(forgedMap)).toString('base64')}`;

interface Failure {
  frames: Array<{ file: string; line: number; column: number; tool: string }>;
  raw_stack: string | null;
  code_frame: string | null;
}

it('an inline source map and sourceURL comments cannot move or rename the frames of the tool that carries them', async () => {
  const source = [
    `//# sourceURL=${FORGED}`,
    `/*@ sourceURL=${FORGED} @license */`,
    'export default (args: { n: number }) => {',
    '  const doubled = args.n * 2;',
    "  if (doubled > 0) throw new Error('thrown on line 5');", // the line the agent must be told
    '  return doubled;',
    '};',
    `//@ sourceURL=${FORGED}`,
    `/*# sourceMappingURL=${inlineMap} */`,
    `//# sourceMappingURL=${inlineMap}`,
  ].join('\n');
  await createOk(server, 'forged_map', source);
  // The stored source is the one the agent wrote, comments and all.
  expect((await server.call('get_tool', { name: 'forged_map' })).structuredContent).toMatchObject({ source });

  const out = await server.call('forged_map', { n: 2 });
  expect(out.isError).toBe(true);
  const last = (await server.lastError('forged_map')) as { error: Failure; text: string };
  const top = last.error.frames[0];
  expect(top, JSON.stringify(last.error)).toMatchObject({ file: 'forged_map.ts', tool: 'forged_map', line: 5, column: 26 });
  for (const frame of last.error.frames) expect(frame).toMatchObject({ file: 'forged_map.ts', tool: 'forged_map' });
  expect(last.error.code_frame).toMatch(/> +5 \| +if \(doubled > 0\) throw new Error\('thrown on line 5'\);/);
  // V8 named the script after our virtual filename, not after a sourceURL comment.
  expect(last.error.raw_stack ?? '').toMatch(/\(chameleon\/default\/forged_map@\d+\.js:\d+:\d+\)/);
  const shown = `${last.text}\n${JSON.stringify(last.error.frames)}\n${last.error.raw_stack ?? ''}\n${last.error.code_frame ?? ''}`;
  expect(shown).not.toContain(FORGED);
  expect(shown).not.toContain('hostFunction');
  expect(shown).not.toContain('host secrets');
  await expectContained(server, { tool: 'forged_map', kind: 'exception' });
});
