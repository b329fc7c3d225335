import { describe, expect, it } from 'vitest';

import { parseConfig } from '../../src/config.js';
import { DEFAULT_KV_QUOTAS } from '../../src/model.js';

describe('parseConfig() kv section', () => {
  it('defaults to 64 KB values, 10,000 keys and 10 MB per namespace, 1,000 operations per call', () => {
    expect(parseConfig({ dbPath: 'x.db' }).kv).toEqual({ maxValueBytes: 65_536, maxKeysPerNamespace: 10_000, maxBytesPerNamespace: 10_485_760, maxOperationsPerCall: 1_000 });
    expect(parseConfig({ dbPath: 'x.db' }).kv).toEqual(DEFAULT_KV_QUOTAS);
  });

  it.each([
    [{ maxValueBytes: 100 }, 'kv.maxValueBytes'],
    [{ maxKeysPerNamespace: 0 }, 'kv.maxKeysPerNamespace'],
    [{ maxBytesPerNamespace: 1.5 }, 'kv.maxBytesPerNamespace'],
    [{ maxOperationsPerCall: 2_000_000 }, 'kv.maxOperationsPerCall'],
    [{ maxValuBytes: 1024 }, 'kv'],
    [{ maxValueBytes: 4_096, maxBytesPerNamespace: 2_048 }, 'kv.maxValueBytes'],
  ])('refuses %j, naming %s', (kv, path) => {
    expect(() => parseConfig({ dbPath: 'x.db', kv })).toThrow(new RegExp(`Invalid configuration: ${path.replace('.', '\\.')}`));
  });
});
