/**
 * Runs a block of contract tests once per store kind (test/helpers/store-factories.ts). A kind
 * whose server is missing here is skipped, saying why. `open()` gives a fresh store, cleaned
 * up when the test finishes.
 */
import { afterAll, describe, onTestFinished } from 'vitest';

import { STORE_FACTORIES, type TestStore } from '../helpers/store-factories.js';

export function eachStore(title: string, body: (open: () => Promise<TestStore>) => void): void {
  for (const factory of STORE_FACTORIES) {
    const why = factory.unavailable();
    describe.skipIf(why !== null)(`${title} (${factory.kind} store)${why === null ? '' : `: skipped, ${why}`}`, () => {
      afterAll(() => factory.dispose());
      body(async () => {
        const store = await factory.open();
        onTestFinished(() => store.cleanup());
        return store;
      });
    });
  }
}

export const PERSONA = 'alice';
