/**
 * `chameleon logs --groups` and `chameleon tools diff` (issue 17, items 4 and 5) on a database a
 * real engine wrote: in process on a fake runtime, and once through the built binary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { fakeRuntime } from '../unit/cli/fake-runtime.js';
import { runCli, spawnCli } from '../unit/cli/program.js';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ESCAPES = /\u001b\[/;

const V1 = ['export default function (a: { items?: string[] }) {', '  return a.items!.length;', '}'].join('\n');
// A real escape sequence in a comment: the diff shows the line without it.
const V2 = ['// Counts the items.\u001b[2J', 'export default function (a: { items?: string[] }) {', '  console.log("counting");', '  return a.items!.length;', '}'].join('\n');

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
  expect((await scope.createTool({ name: 'count', description: 'Counts.', code: V1 })).ok).toBe(true);
  expect((await scope.runTool('count', {})).ok).toBe(false);
  expect((await scope.runTool('count', { items: ['a'] })).ok).toBe(true);
  expect((await scope.updateTool({ name: 'count', code: V2, timeoutMs: 2000 })).ok).toBe(true);
  expect((await scope.runTool('count', {})).ok).toBe(false);
  expect((await scope.runTool('count', {})).ok).toBe(false);
  expect((await scope.createTool({ name: 'strict', description: 'n', code: 'export default (a: { n: number }) => a.n;', inputSchema: { type: 'object', properties: { n: { type: 'integer' } } } })).ok).toBe(true);
  expect((await scope.runTool('strict', { n: 'x' })).ok).toBe(false);
});
afterAll(() => engine.close());

describe('chameleon logs --groups', () => {
  it('prints one line per fingerprint with count, versions and the latest message, most recent last', async () => {
    const { code, rt } = await runCli(['logs', '--groups', '--db', engine.dbPath]);
    expect(code).toBe(0);
    const lines = rt.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^COUNT\s+TOOL\s+VERSIONS\s+FIRST SEEN \(UTC\)\s+LAST SEEN \(UTC\)\s+FINGERPRINT\s+KIND\s+LATEST MESSAGE$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\s+3\s+count\s+v1–v2\s+\S+ \S+\s+\S+ \S+\s+[0-9a-f]{16}\s+exception\s+TypeError: Cannot read properties of undefined \(reading 'length'\) \(count\.ts:4\)$/);
    expect(lines[2]).toMatch(/^\s+1\s+strict\s+v1\s+.*invalid_arguments\s+InvalidArguments: /);
    expect(rt.out()).not.toMatch(ESCAPES);
  });

  it('filters by tool and refuses --follow', async () => {
    const one = await runCli(['logs', '--groups', '--tool', 'strict', '--db', engine.dbPath]);
    expect(one.rt.out().trimEnd().split('\n')).toHaveLength(2);
    const none = await runCli(['logs', '--groups', '--since', '2999-01-01T00:00:00Z', '--db', engine.dbPath]);
    expect(none.rt.err()).toMatch(/No fingerprinted failures since 2999-01-01T00:00:00\.000Z for persona default/);
    await expect(runCli(['logs', '--groups', '--follow', '--db', engine.dbPath])).rejects.toThrow(/cannot be combined with --follow/);
  });
});

describe('chameleon tools diff', () => {
  it('compares the version before the active one with the active one, in plain text off a terminal', async () => {
    const { code, rt } = await runCli(['tools', 'diff', 'count', '--db', engine.dbPath]);
    expect(code).toBe(0);
    const out = rt.out();
    expect(out).not.toMatch(ESCAPES);
    expect(out).toMatch(/^count: v1 → v2\nv1: 2 calls, 1 failed; last failure TypeError: Cannot read properties of undefined \(reading 'length'\) \(fingerprint ([0-9a-f]{16}), \S+\)\nv2 \(active\): 2 calls, 2 failed; last failure .*\(fingerprint \1, /);
    expect(out).toContain('Metadata changed:\n  timeout_ms: 5000 → 2000\n');
    expect(out).toContain('Source: +2 -0 lines\n--- count.ts@v1\n+++ count.ts@v2\n@@ -1,3 +1,5 @@\n+// Counts the items.\n export default function');
    expect(out).toContain('+  console.log("counting");');
  });

  it('colours removed lines red and added lines green when FORCE_COLOR asks for it', async () => {
    const { rt } = await runCli(['tools', 'diff', 'count', '2', '1', '--db', engine.dbPath], fakeRuntime({ env: { FORCE_COLOR: '1' } }));
    const out = rt.out();
    expect(out).toContain('\u001b[31m-// Counts the items.\u001b[39m');
    expect(out).toContain('\u001b[36m@@ -1,5 +1,3 @@\u001b[39m');
    expect(out).toContain('timeout_ms: \u001b[31m2000\u001b[39m → \u001b[32m5000\u001b[39m');
  });

  it('refuses a tool with one version, naming what to give', async () => {
    await expect(runCli(['tools', 'diff', 'strict', '--db', engine.dbPath])).rejects.toThrow(/Version 1 is the first version of `strict`/);
  });

  it('runs in the built CLI', () => {
    const r = spawnCli(['tools', 'diff', 'count', '1', '--db', engine.dbPath]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^count: v1 → v2\n/);
    const groups = spawnCli(['logs', '--groups', '--db', engine.dbPath]);
    expect(groups.status, groups.stderr).toBe(0);
    expect(groups.stdout).toMatch(/^COUNT/);
  });
});
