/**
 * The realm's scripts compile from V8's code cache after the first isolate (realm-code-cache.ts),
 * and a realm built from the cache works as one built from source: the Web APIs, the lockdown.
 */
import fs from 'node:fs';
import path from 'node:path';
import ivm from 'isolated-vm';
import { expect, it } from 'vitest';
import { createRealmCodeCache } from '../../src/sandbox-host/worker/realm-code-cache.js';
import { installRealmHooks } from '../../src/sandbox-host/worker/realm-hooks.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const source = (name: string) => fs.readFileSync(path.join(ROOT, 'dist/sandbox', name), 'utf8');

it('compiles the prelude and lockdown from the cache after the first isolate, and the realm works', async () => {
  const cache = createRealmCodeCache();
  const results: Array<{ rejected: unknown[]; out: unknown }> = [];
  for (let i = 0; i < 3; i++) {
    const isolate = new ivm.Isolate({ memoryLimit: 64 });
    try {
      const context = await isolate.createContext();
      await installRealmHooks(context);
      const rejected: unknown[] = [];
      for (const [file, name] of [['prelude.js', 'chameleon-prelude.js'], ['lockdown.js', 'chameleon-lockdown.js']] as const) {
        const script = (await cache.compile(isolate, name, source(file))) as ivm.Script & { cachedDataRejected?: boolean };
        rejected.push(script.cachedDataRejected);
        await script.run(context, { timeout: 5_000 });
        script.release();
      }
      const probe = await isolate.compileScript(`JSON.stringify([new URL('../b', 'https://a.example/x/y').href, new TextDecoder().decode(new TextEncoder().encode('é')), Object.isFrozen(URL.prototype), typeof crypto.randomUUID()])`);
      results.push({ rejected, out: JSON.parse((await probe.run(context, { timeout: 1_000 })) as string) });
    } finally {
      isolate.dispose();
    }
  }
  // The first isolate produced the caches (nothing to reject); the later ones used them, and V8 took them.
  expect(results.map((r) => r.rejected)).toEqual([[undefined, undefined], [false, false], [false, false]]);
  for (const r of results) expect(r.out).toEqual(['https://a.example/b', 'é', true, 'string']);
});
