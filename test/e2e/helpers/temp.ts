import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A temporary directory for a whole suite (../../helpers/temp-dir.ts is per test). Call the
 * returned `remove` from afterAll.
 */
export function suiteTempDir(prefix = 'chameleon-e2e-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
