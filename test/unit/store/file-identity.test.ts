import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/errors.js';
import { createFileGuard } from '../../../src/store/file-identity.js';
import { openStore } from '../../../src/store/index.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { execution } from './fixtures.js';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isAppError(err) && err.code === 'STORE_FAILURE') return err.message;
    throw err;
  }
  return 'accepted';
}

describe('a database file deleted or replaced under the store', () => {
  it('openStore() refuses writes once its file is deleted, and says what to do', async () => {
    const file = path.join(tempDir('chameleon-identity-'), 'x.db');
    const store = openStore(file);
    try {
      store.executions.insert(execution());
      for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
      // Checked at most once a second.
      await sleep(1_100);
      expect(refusal(() => store.executions.insert(execution()))).toMatch(/database file was deleted while the server was running, so writes are refused.*chameleon backup/);
      // For good: not only on the write that noticed.
      expect(refusal(() => store.executions.insert(execution()))).toMatch(/was deleted/);
    } finally {
      store.close();
    }
  });

  it('openStore() refuses writes once another file is put in its place', async () => {
    const dir = tempDir('chameleon-identity-');
    const file = path.join(dir, 'x.db');
    const store = openStore(file);
    try {
      const other = path.join(dir, 'restored.db');
      openStore(other).close();
      fs.renameSync(other, file);
      await sleep(1_100);
      expect(refusal(() => store.tools.delete('default', 'nothing'))).toMatch(/was replaced while the server was running/);
    } finally {
      store.close();
    }
  });

  it('createFileGuard() checks at most once a second and lets writes through while the file is there', () => {
    const file = path.join(tempDir('chameleon-identity-'), 'x.db');
    fs.writeFileSync(file, '');
    let now = 0;
    const check = createFileGuard(file, () => now);
    fs.rmSync(file);
    expect(refusal(check)).toBe('accepted'); // within the second: not looked at yet
    now = 1_000;
    expect(refusal(check)).toMatch(/deleted/);
    fs.writeFileSync(file, '');
    now = 5_000;
    expect(refusal(check)).toMatch(/deleted/); // a file there again is another file
    expect(refusal(createFileGuard(':memory:'))).toBe('accepted');
  });
});
