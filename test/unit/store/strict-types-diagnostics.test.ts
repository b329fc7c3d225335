import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { hashSnapshot } from '../../../src/store/index.js';
import { openTempStore, snapshot } from './fixtures.js';

describe('strict_types and type diagnostics in the store (issue 17, migration 10)', () => {
  it('hashSnapshot() keeps the hash of a version without strict types, and appends { strictTypes: true } last when set', () => {
    const plain = snapshot();
    const strict = snapshot({ strictTypes: true });
    const schema = { properties: plain.inputSchema['properties'], required: plain.inputSchema['required'], type: 'object' };
    const base = [plain.language, plain.source, plain.compiledJs, plain.sourceMap, plain.description, schema, plain.limits.timeoutMs, plain.limits.memoryMb];
    expect(hashSnapshot(plain)).toBe(createHash('sha256').update(JSON.stringify(base)).digest('hex'));
    expect(hashSnapshot(strict)).toBe(createHash('sha256').update(JSON.stringify([...base, { strictTypes: true }])).digest('hex'));
  });

  it('a strict version reads back verified with strictTypes; diagnostics are set after the save and kept by a rollback', () => {
    const { store } = openTempStore();
    const v1 = store.tools.create('alice', 't', snapshot({ strictTypes: true }));
    expect(v1.strictTypes).toBe(true);
    expect(store.diagnostics.get('alice', 't', 1)).toBeNull();
    expect(store.diagnostics.set('alice', 't', 1, '[{"line":1}]')).toBe(true);
    expect(store.diagnostics.set('alice', 't', 9, '[]')).toBe(false);
    // The hash does not cover them: the version still verifies.
    expect(store.tools.getVersion('alice', 't', 1).hash).toBe(v1.hash);
    store.tools.addVersion('alice', 't', snapshot({ source: 'export default () => 2;' }), { kind: 'update' });
    expect(store.tools.getVersion('alice', 't', 2).strictTypes).toBeUndefined();
    const back = store.tools.rollback('alice', 't', 1);
    expect(back).toMatchObject({ version: 3, strictTypes: true });
    expect(store.diagnostics.get('alice', 't', 3)).toBe('[{"line":1}]');
    expect(store.diagnostics.get('alice', 't', 2)).toBeNull();
  });
});
