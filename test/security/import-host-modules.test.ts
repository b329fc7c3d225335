/**
 * Attack: reach the host through imports (issue 15). A tool asks the compiler for Node's
 * modules (`fs`, `node:child_process`), for a package the host did not allow, for files by
 * relative or absolute path or URL, and for a library of another persona's. Each import must
 * be refused at create, located at its line, with nothing bundled or saved and no host path in
 * what the agent sees; the server runs on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixturePackages, type FixtureFolder } from '../helpers/fixture-packages.js';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { expectNoHostLeak } from './helpers/realm.js';

let server: SecurityServer;
let folder: FixtureFolder;
let configDir: string;
beforeAll(async () => {
  folder = fixturePackages(['slugify']);
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sec-config-'));
  const config = path.join(configDir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ packages: { dir: folder.dir, allow: ['slugify'] } }));
  server = await startSecurityServer({ extraArgs: ['--config', config] });
});
afterAll(async () => {
  await server.close();
  folder.remove();
  fs.rmSync(configDir, { recursive: true, force: true });
});

const IMPORTS: Array<[string, string, RegExp]> = [
  ['fs', 'import { readFileSync } from "fs";\nexport default () => readFileSync("/etc/hostname", "utf8");', /import "fs" is a Node built-in/],
  ['node_child_process', 'import { execSync } from "node:child_process";\nexport default () => String(execSync("id"));', /import "node:child_process" is a Node built-in/],
  ['fs_subpath', 'import { readFile } from "fs/promises";\nexport default async () => readFile("/etc/hostname", "utf8");', /import "fs\/promises" is a Node built-in/],
  ['not_allowed', 'import leftPad from "left-pad";\nexport default () => leftPad("1", 3);', /package "left-pad" is not in this server's packages\.allow \(it allows slugify\)/],
  ['relative_escape', 'import x from "../../../../etc/passwd";\nexport default () => x;', /a tool is one file, with no files beside it/],
  ['absolute_path', 'import x from "/etc/passwd";\nexport default () => x;', /a tool is one file, with no files beside it/],
  ['file_url', 'import x from "file:///etc/passwd";\nexport default () => x;', /a tool is one file, with no files beside it/],
  ['package_dot_dot', 'import x from "slugify/../../../../etc/passwd";\nexport default () => x;', /cannot be resolved|outside the packages folder/],
];

it('every import of the host is refused at create, at its line, without a host path', async () => {
  for (const [name, code, message] of IMPORTS) {
    const out = await server.createTool(`import_${name}`, code);
    expect(out.isError, `${name} was saved: ${textOf(out)}`).toBe(true);
    const error = (out.structuredContent as { saved: boolean; error: { kind: string; message: string; frames: Array<{ line: number }> } }).error;
    expect(error.kind, name).toBe('compile');
    expect(error.message, name).toMatch(message);
    expect(error.frames[0]?.line, name).toBe(1);
    // The specifier is the agent's own text (`node:child_process`, `file:///etc/passwd`): quoting it back is no leak.
    const specifier = `"${/from "([^"]+)"/.exec(code)![1]!}"`;
    const own = (text: string) => text.split(specifier).join('<specifier>').split(JSON.stringify(specifier).slice(1, -1)).join('<specifier>');
    expectNoHostLeak(server, own(JSON.stringify(out.structuredContent)), `refusal of ${name}`);
    expectNoHostLeak(server, own(textOf(out)), `refusal text of ${name}`);
  }
  // Nothing was saved: no tool of these names exists.
  const listed = await server.call('list_tools', {});
  for (const [name] of IMPORTS) expect(textOf(listed)).not.toContain(`import_${name}`);
  await expectContained(server, {});
});

it("a library of another persona's is not found, even by a persona that guesses its name", async () => {
  // The server serves one persona; a library of that name exists for no one here, and `lib:` names carry no persona.
  const out = await server.createTool('import_other_persona', 'import { x } from "lib:default/secret";\nexport default () => x;');
  expect(out.isError).toBe(true);
  expect(textOf(out)).toMatch(/is not a library name/);
  await expectContained(server, {});
});
