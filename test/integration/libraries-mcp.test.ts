/**
 * Libraries and packages through the real MCP server (issue 15), with the SDK client checking
 * every structuredContent against the meta-tools' output schemas: create_tool with kind
 * "library", tools/list without it, a call by its name refused, get_tool with what a version
 * bundled and who imports a library, and a traceback across a tool, its library and a package.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { fixturePackages, lockedVersion, type FixtureFolder } from '../helpers/fixture-packages.js';
import { allText, connectInMemory, type InMemoryClient } from '../helpers/mcp-client.js';

let folder: FixtureFolder;
let engine: TestEngine;
let mcp: InMemoryClient;

beforeAll(async () => {
  folder = fixturePackages(['csv-parse']);
  engine = await startEngine({ packages: { dir: folder.dir, allow: ['csv-parse'] } });
  mcp = await connectInMemory(engine);
});
afterAll(async () => {
  await mcp.close();
  await engine.close();
  folder.remove();
});

const CSV_LIB = [
  'import { parse } from "csv-parse/browser/esm/sync";',
  '',
  'export function rows(text: string): string[][] {',
  '  return parse(text);',
  '}',
  '',
].join('\n');

const REPORT = [
  'import { rows } from "lib:csv_tools";',
  '',
  'export default function report(a: { text: string }) {',
  '  const all = rows(a.text);',
  '  return { count: all.length };',
  '}',
  '',
].join('\n');

it('a library is made with kind "library", left out of tools/list, and not callable', async () => {
  const created = await mcp.call('create_tool', { name: 'csv_tools', description: 'CSV helpers.', code: CSV_LIB, kind: 'library' });
  expect(created.isError, allText(created)).toBeFalsy();
  expect(allText(created)).toContain('Created library csv_tools (version 1). Import it from a tool: `import { ... } from "lib:csv_tools"`.');
  expect(created.structuredContent).toMatchObject({ saved: true, kind: 'library', dependencies: [{ kind: 'package', name: 'csv-parse' }] });

  const listed = await mcp.client.listTools();
  expect(listed.tools.map((t) => t.name)).not.toContain('csv_tools');
  const refused = await mcp.call('csv_tools', {});
  expect(refused.isError).toBe(true);
  expect(allText(refused)).toMatch(/`csv_tools` is a library: it has no handler to call/);
  const mine = await mcp.call('list_tools', {});
  expect((mine.structuredContent as { tools: Array<{ name: string; kind: string }> }).tools).toContainEqual(expect.objectContaining({ name: 'csv_tools', kind: 'library' }));
});

it('get_tool shows what a version bundled and which tools import a library', async () => {
  const created = await mcp.call('create_tool', { name: 'report', description: 'Counts rows.', code: REPORT });
  expect(created.isError, allText(created)).toBeFalsy();
  const tool = await mcp.call('get_tool', { name: 'report' });
  expect(tool.structuredContent).toMatchObject({
    dependencies: [
      { kind: 'library', name: 'csv_tools', version: 1 },
      { kind: 'package', name: 'csv-parse', version: lockedVersion('csv-parse'), integrity: expect.stringMatching(/^sha512-/), integrity_of: 'tarball' },
    ],
  });
  expect(allText(tool)).toContain(`Version 1 bundles: lib:csv_tools@1, csv-parse@${lockedVersion('csv-parse')}`);

  const updated = await mcp.call('update_tool', { name: 'csv_tools', code: `${CSV_LIB}export const version = 2;\n` });
  expect(updated.isError, allText(updated)).toBeFalsy();
  const library = await mcp.call('get_tool', { name: 'csv_tools' });
  expect(library.structuredContent).toMatchObject({ tool: { kind: 'library' }, importers: [{ name: 'report', version: 1, library_version: 1, current: false }] });
  expect(allText(library)).toContain('Imported by: report (bundles version 1, older)');
  expect(allText(library)).toContain('To give report version 2: update_tool each with its code');
});

it('a failure inside the package reads from the tool down through the library into the package', async () => {
  const out = await mcp.call('report', { text: 'a,b\n"never closed\n' });
  expect(out.isError).toBe(true);
  const last = await mcp.call('get_last_error', { tool_name: 'report' });
  const { error, text } = last.structuredContent as { error: { frames: Array<Record<string, unknown>>; code_frame: string }; text: string };
  const own = error.frames.filter((f) => f['package'] === undefined);
  expect(own.map((f) => `${String(f['tool'])}@${String(f['version'])}:${String(f['file'])}:${String(f['line'])}`)).toEqual(['csv_tools@1:csv_tools.ts:4', 'report@1:report.ts:4']);
  expect(error.frames[0]).toMatchObject({ package: `csv-parse@${lockedVersion('csv-parse')}`, file: 'csv-parse/dist/esm/sync.js' });
  // The code frame is the agent's innermost own line: in the library, where it called the package.
  expect(error.code_frame).toContain('return parse(text);');
  // Python order: the tool, then the library, then the package, with the error last.
  const order = ['File "report.ts", line 4', 'File "csv_tools.ts", line 4', 'File "csv-parse/dist/esm/sync.js"'].map((s) => text.indexOf(s));
  expect(order.every((at) => at >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  expect(text).toMatch(/\[package csv-parse@[\d.]+\]/);
});
