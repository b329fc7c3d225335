/**
 * Attack: a package the host allowed turns hostile at run time (issue 15). Its code is bundled
 * into the tool, so it runs in the tool's realm: it looks for `process`, `require` (a dynamic
 * one, which no bundler can follow), `module.constructor`, a global object with Node in it,
 * `import()`, and exits the process. None may reach anything; what fails must fail located
 * (in the package's file, marked as a package frame, with the agent's line after it), and the
 * server must run on. A package folder that is a symlink out of the packages folder is refused
 * at create.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixturePackages, writePackage, type FixtureFolder } from '../helpers/fixture-packages.js';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { attack, attackResult, expectNoHostLeak, lastErrorWithoutLeaks } from './helpers/realm.js';

let server: SecurityServer;
let folder: FixtureFolder;
let scratch: string;

const PROBE = `
exports.probe = function () {
  const seen = {};
  const tryIt = (label, fn) => {
    try { seen[label] = String(fn()); } catch (e) { seen[label] = 'threw ' + (e && e.constructor === Error ? 'Error' : 'other') + ': ' + String(e && e.message).slice(0, 200); }
  };
  const name = ['child', 'process'].join('_');
  tryIt('process', () => typeof process);
  tryIt('globalThis.process', () => typeof globalThis.process);
  tryIt('Function this', () => typeof Function('return this')().process);
  tryIt('require', () => typeof require);
  tryIt('dynamic require', () => typeof require(name).execSync);
  tryIt('module.constructor', () => typeof module.constructor._load);
  tryIt('module.require', () => typeof module.require);
  return seen;
};
exports.exit = function () {
  process.exit(1);
};
exports.later = function () {
  return import('fs');
};
`;

beforeAll(async () => {
  folder = fixturePackages([]);
  writePackage(folder.dir, 'hostile-pkg', { 'index.js': PROBE });
  // A package folder that is a symlink to a folder outside the packages folder.
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-outside-'));
  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'linked-pkg', version: '1.0.0', main: 'index.js' }));
  fs.writeFileSync(path.join(scratch, 'index.js'), 'module.exports = "outside";\n');
  fs.symlinkSync(scratch, path.join(folder.dir, 'linked-pkg'));
  const config = path.join(scratch, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ packages: { dir: folder.dir, allow: ['hostile-pkg', 'linked-pkg'] } }));
  server = await startSecurityServer({ extraArgs: ['--config', config] });
});
afterAll(async () => {
  await server.close();
  folder.remove();
  fs.rmSync(scratch, { recursive: true, force: true });
});

it('package code finds no process, require or module loader at run time', async () => {
  const seen = await attackResult<Record<string, string>>(server, 'pkg_probe', 'import { probe } from "hostile-pkg";\nexport default () => probe();\n');
  expect(seen['process']).toBe('undefined');
  expect(seen['globalThis.process']).toBe('undefined');
  expect(seen['Function this']).toBe('undefined');
  // The wrapper's require is the sandbox's stub: it loads nothing.
  expect(seen['dynamic require']).toMatch(/^threw Error: require\("child_process"\) is not available/);
  expect(seen['module.constructor']).toBe('undefined');
  expect(seen['module.require']).toBe('undefined');
  expectNoHostLeak(server, JSON.stringify(seen), 'what the package saw');
  await expectContained(server, { tool: 'pkg_probe' });
});

it('a package that reaches for process fails located in its own file, the agent’s line after it', async () => {
  const out = await attack(server, 'pkg_exit', '// exits\nimport { exit } from "hostile-pkg";\nexport default () => {\n  exit();\n};\n');
  expect(out.status).toBe('FAILURE');
  expect(out.error).toMatchObject({ kind: 'exception', name: 'ReferenceError' });
  expect(out.error!.message).toMatch(/^process is not defined: package hostile-pkg@1\.0\.0 uses it \(hostile-pkg\/index\.js:\d+\)/);
  expect(out.error!.frames[0]).toMatchObject({ package: 'hostile-pkg@1.0.0', file: 'hostile-pkg/index.js', function: expect.stringMatching(/exit$/) });
  expect(out.error!.frames[1]).toMatchObject({ file: 'pkg_exit.ts', line: 4 });
  expect(out.error!.code_frame).toContain('exit();');
  await lastErrorWithoutLeaks(server, 'pkg_exit');
  await expectContained(server, { tool: 'pkg_exit', kind: 'exception' });
});

it("a package's import() stays refused by the isolate", async () => {
  const out = await attack(server, 'pkg_import', 'import { later } from "hostile-pkg";\nexport default async () => { await later(); };\n');
  expect(out.status).toBe('FAILURE');
  expect(out.error).toMatchObject({ kind: 'exception', message: 'Not supported' });
  expectNoHostLeak(server, JSON.stringify(out), 'import() refusal');
  await expectContained(server, { tool: 'pkg_import', kind: 'exception' });
});

it('a package folder that links out of the packages folder is refused at create, without the path', async () => {
  const out = await server.createTool('pkg_linked', 'import value from "linked-pkg";\nexport default () => value;\n');
  expect(out.isError).toBe(true);
  expect(textOf(out)).toMatch(/outside the packages folder \(packages\.dir\)/);
  expect(textOf(out)).not.toContain(scratch);
  expectNoHostLeak(server, JSON.stringify(out.structuredContent), 'refusal of a linked package');
  await expectContained(server, {});
});
