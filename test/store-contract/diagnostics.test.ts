/**
 * What every store keeps of a version's type diagnostics (src/store/version-diagnostics.ts):
 * text set after the version is saved, read back as written, cleared with null.
 */
import { expect, it } from 'vitest';

import { snapshot } from '../unit/store/fixtures.js';
import { eachStore, PERSONA } from './each-store.js';

eachStore('version diagnostics', (open) => {
  it('set() stores text for an existing version only; get() reads it back; null clears it', async () => {
    const store = await open();
    await store.tools.create(PERSONA, 'add', snapshot());
    expect(await store.diagnostics.get(PERSONA, 'add', 1)).toBeNull();
    const json = JSON.stringify([{ code: 2339, message: "Property 'x' does not exist", line: 1, column: 9, severity: 'error' }]);
    expect(await store.diagnostics.set(PERSONA, 'add', 1, json)).toBe(true);
    expect(await store.diagnostics.get(PERSONA, 'add', 1)).toBe(json);
    expect(await store.diagnostics.get('bob', 'add', 1)).toBeNull();
    expect(await store.diagnostics.set(PERSONA, 'add', 2, json)).toBe(false);
    expect(await store.diagnostics.set(PERSONA, 'nope', 1, json)).toBe(false);
    expect(await store.diagnostics.set(PERSONA, 'add', 1, null)).toBe(true);
    expect(await store.diagnostics.get(PERSONA, 'add', 1)).toBeNull();
  });
});
