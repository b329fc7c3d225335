import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { isAppError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { createChameleon, type Chameleon } from '../../src/service/index.js';
import os from 'node:os';

/**
 * A full disk, for real: the database lives on a 4 MB tmpfs that a filler file fills up.
 * Mounting needs root (as on CI and these machines); elsewhere the file is skipped, saying why.
 * Issue 12, item 8: every call failed for lack of space while get_last_error said NO_ERROR.
 */
const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-full-disk-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  // Not root, or no mount: the describe below is skipped.
}

let app: Chameleon;
const filler = path.join(mountPoint, 'filler');

beforeAll(async () => {
  if (!mounted) return;
  app = await createChameleon({ config: parseConfig({ dbPath: path.join(mountPoint, 'x.db'), sandbox: { processes: 1 } }), logger: silentLogger });
});
afterAll(async () => {
  if (!mounted) {
    fs.rmSync(mountPoint, { recursive: true, force: true });
    return;
  }
  await app.close();
  execFileSync('umount', ['-l', mountPoint]);
  fs.rmSync(mountPoint, { recursive: true, force: true });
});

function fillDisk(): void {
  const chunk = Buffer.alloc(64 * 1024, 1);
  const fd = fs.openSync(filler, 'w');
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
}

describe.skipIf(!mounted)('a full disk (tmpfs)', () => {
  it('get_last_error says the log cannot be written while calls fail for lack of space, and recovers', async () => {
    const scope = app.forPersona('default');
    expect((await scope.createTool({ name: 'double', description: 'Doubles.', code: 'export default (a: { n: number }) => a.n * 2;' })).ok).toBe(true);
    expect(await scope.runTool('double', { n: 1 })).toMatchObject({ ok: true, result: 2 });
    expect(await scope.getLastError()).toBeNull();

    fillDisk();
    // Enough calls to need new pages in the WAL: each row is a few pages.
    let refused: unknown = null;
    for (let n = 0; n < 200 && refused === null; n++) {
      try {
        await scope.runTool('double', { n, pad: 'x'.repeat(2_000) });
      } catch (err) {
        refused = err;
      }
    }
    expect(isAppError(refused) && refused.code).toBe('STORE_FAILURE');
    let said: unknown = null;
    try {
      await scope.getLastError();
    } catch (err) {
      said = err;
    }
    expect(isAppError(said) && said.code).toBe('STORE_FAILURE');
    expect((said as Error).message).toMatch(/execution log cannot be written: calls since .* were answered with a failure and not recorded, the last of `double`/);
    expect((said as Error).message).toMatch(/disk|space/i);
    // No host path reaches the agent.
    expect((said as Error).message).not.toContain(mountPoint);
    // Another persona learns that the log is failing, not which tool of ours was called.
    await expect(app.forPersona('bob').getLastError()).rejects.toThrow(/cannot be written: calls since [^,]*\. /);

    fs.rmSync(filler);
    expect(await scope.runTool('double', { n: 21 })).toMatchObject({ ok: true, result: 42 });
    expect(await scope.getLastError()).toBeNull();
  });
});
