import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import type { Dependency } from '../../../src/model.js';
import { hashSnapshot } from '../../../src/store/index.js';
import { openTempStore, snapshot } from './fixtures.js';

const LIBRARY: Dependency = { kind: 'library', name: 'text_utils', version: 2, hash: 'a'.repeat(64) };
const PACKAGE: Dependency = { kind: 'package', name: 'csv-parse', version: '7.0.3', integrity: 'sha512-xyz', integrityOf: 'tarball' };

describe('hashSnapshot() of libraries and bundles (issue 15)', () => {
  it('keeps the hash of a tool without dependencies, whether kind and dependencies are given or not', () => {
    const plain = snapshot();
    expect(hashSnapshot({ ...plain, kind: 'tool', dependencies: [] })).toBe(hashSnapshot(plain));
  });

  it('appends the kind of a library, then the dependencies, keys sorted', () => {
    const s = snapshot({ kind: 'library', dependencies: [LIBRARY, PACKAGE] });
    const schema = { properties: s.inputSchema['properties'], required: s.inputSchema['required'], type: 'object' };
    const canonical = JSON.stringify([
      s.language, s.source, s.compiledJs, s.sourceMap, s.description, schema, s.limits.timeoutMs, s.limits.memoryMb,
      'library',
      [
        { hash: LIBRARY.hash, kind: 'library', name: 'text_utils', version: 2 },
        { integrity: 'sha512-xyz', integrityOf: 'tarball', kind: 'package', name: 'csv-parse', version: '7.0.3' },
      ],
    ]);
    expect(hashSnapshot(s)).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('changes when a pinned version changes', () => {
    const a = snapshot({ dependencies: [LIBRARY] });
    const b = snapshot({ dependencies: [{ ...LIBRARY, version: 3 }] });
    expect(hashSnapshot(a)).not.toBe(hashSnapshot(b));
  });

  it('a version with a kind and dependencies reads back verified, with both', () => {
    const { store } = openTempStore();
    const written = store.tools.create('alice', 'lib', snapshot({ kind: 'library', dependencies: [LIBRARY, PACKAGE] }));
    const read = store.tools.getVersion('alice', 'lib');
    expect(read).toEqual(written);
    expect(read).toMatchObject({ kind: 'library', dependencies: [LIBRARY, PACKAGE] });
    expect(store.tools.listVersions('alice', 'lib')[0]).toMatchObject({ kind: 'library', dependencies: [LIBRARY, PACKAGE] });
  });
});
