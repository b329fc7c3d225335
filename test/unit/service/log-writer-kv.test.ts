import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { describe, expect, it, onTestFinished } from 'vitest';

import type { KvWrite } from '../../../src/model.js';
import { sqliteContract } from '../../../src/store/sqlite-contract.js';
import { createLogWriter } from '../../../src/service/log-writer.js';
import { openStore } from '../../../src/store/index.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { execution, rawConnection } from '../store/fixtures.js';

const set = (key: string): KvWrite => ({ namespace: 'tool:notes', key, valueJson: '1', at: '2026-11-30T20:00:00.000Z' });

function writer(maxKeysPerNamespace: number) {
  const file = path.join(tempDir('chameleon-log-kv-'), 'chameleon.db');
  const store = openStore(file, { busyTimeoutMs: 0, backgroundCheckpoints: false, kvQuotas: { maxKeysPerNamespace, maxBytesPerNamespace: 1_000_000 } });
  onTestFinished(() => store.close());
  return { store, file, log: createLogWriter(sqliteContract(store), { lockWaitMs: 5_000 }) };
}

describe('createLogWriter().write() with kv writes', () => {
  it('resolves with the record as logged: the same success, or the failure a commit-time quota made of it', async () => {
    const { store, log } = writer(2);
    const ok = execution({ id: 'ex_ok', kvWrites: [set('a'), set('b')] });
    // Handed in in the same turn: committed together, in order.
    const [first, second] = await Promise.all([log.write(ok), log.write(execution({ id: 'ex_late', kvWrites: [set('c')] }))]);
    expect(first).toBe(ok);
    expect(second).toMatchObject({ id: 'ex_late', status: 'FAILURE', errorName: 'KvQuotaError' });
    expect(store.executions.get('alice', 'ex_late')?.status).toBe('FAILURE');
    expect(store.kv.list('alice', 'tool:notes', { limit: 10 }).map((e) => e.key)).toEqual(['a', 'b']);
  });

  it('applies writes that waited for another process\'s lock once, with their row, when the lock is released', async () => {
    const { store, file, log } = writer(10);
    const other = rawConnection(file);
    other.exec('BEGIN IMMEDIATE; INSERT INTO executions SELECT * FROM executions WHERE 0');
    const pending = log.write(execution({ id: 'ex_wait', kvWrites: [set('a')] }));
    await sleep(100);
    expect(store.kv.get('alice', 'tool:notes', 'a')).toBeUndefined();
    other.exec('COMMIT');
    expect((await pending).status).toBe('SUCCESS');
    expect(store.kv.get('alice', 'tool:notes', 'a')?.executionId).toBe('ex_wait');
    expect(store.kv.usage('alice', 'tool:notes')).toEqual({ keys: 1, bytes: 2 });
  });
});
