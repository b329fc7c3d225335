/**
 * Attack: load host modules with dynamic import() — written in the tool source (esbuild keeps
 * it as is for platform "neutral"), from eval'd and Function-made code, with node:, file: and
 * data: specifiers — and with `import.meta`. V8 asks the embedder to import; isolated-vm
 * refuses every request. Each attempt must fail cleanly with an error of the isolate, nothing
 * loaded, no host path in what the guest sees, and the sandbox process must survive.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, ROOT, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attack, attackResult, expectNoHostLeak, lastErrorWithoutLeaks } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const specifiers = ['fs', 'node:child_process', `file://${ROOT}dist/cli.js`, 'data:text/javascript,export default globalThis.process', './x.js'];

const code = `
const specifiers: string[] = ${JSON.stringify(specifiers)};
export default async () => {
  const report: Record<string, any> = {};
  for (const s of specifiers) {
    const routes: Record<string, () => Promise<unknown>> = {
      source: () => import(s),
      eval: () => (0, eval)('import(' + JSON.stringify(s) + ')'),
      Function: () => Function('s', 'return import(s)')(s),
    };
    for (const [route, load] of Object.entries(routes)) {
      try {
        const mod: any = await load();
        report[route + ' ' + s] = 'LOADED ' + typeof mod;
      } catch (e: any) {
        report[route + ' ' + s] = { name: e.constructor === Error ? 'Error' : 'foreign ' + String(e && e.constructor && e.constructor.name), message: String(e.message), stack: String(e.stack) };
      }
    }
  }
  return report;
};
`;

it('dynamic import() is refused by every route, with an isolate error and no host path', async () => {
  const report = await attackResult<Record<string, { name: string; message: string; stack: string } | string>>(server, 'dynamic_import', code);
  expect(Object.keys(report)).toHaveLength(specifiers.length * 3);
  for (const [route, seen] of Object.entries(report)) {
    expect(typeof seen, route).toBe('object');
    if (typeof seen === 'string') continue;
    expect(seen.name, route).toBe('Error');
    expect(seen.message, route).toBe('Not supported');
    expectNoHostLeak(server, seen.stack, `stack of ${route}`);
  }

  // Unhandled: the rejection becomes the call's exception, described without host paths, in
  // words an agent can act on (isolated-vm says only "Not supported").
  const out = await attack(server, 'dynamic_import_unhandled', `export default async () => { await import('fs'); };`);
  expect(out.error).toMatchObject({ kind: 'exception', name: 'Error', message: 'import("fs") is not available: Chameleon tools run in a sandbox without modules. Inline the code you need.' });
  await lastErrorWithoutLeaks(server, 'dynamic_import_unhandled');

  // import.meta is not syntax in a script; the module compiles to a script, so it cannot reach a host URL.
  const meta = await attack(server, 'import_meta', `export default () => (0, eval)('import.meta.url');`);
  expect(meta.error).toMatchObject({ kind: 'exception', name: 'SyntaxError' });
  expectNoHostLeak(server, JSON.stringify(meta), 'import.meta result');
  await expectContained(server, { tool: 'dynamic_import_unhandled', kind: 'exception' });
});
