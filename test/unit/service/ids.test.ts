import { describe, expect, it } from 'vitest';

import { newExecutionId } from '../../../src/service/ids.js';

describe('newExecutionId()', () => {
  it('is `ex_` and a random UUID', () => {
    expect(newExecutionId()).toMatch(/^ex_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('starts with 8 hex digits that differ from call to call (the CLI short id)', () => {
    const short = new Set(Array.from({ length: 1_000 }, () => newExecutionId().slice(0, 11)));
    expect(short.size).toBeGreaterThan(995);
  });
});
