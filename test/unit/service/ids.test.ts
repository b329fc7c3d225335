import { describe, expect, it } from 'vitest';

import { newExecutionId } from '../../../src/service/ids.js';

const UUID_V7 = /^ex_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newExecutionId()', () => {
  it('is `ex_` and a version 7 UUID whose first 48 bits are the time in milliseconds', () => {
    const at = Date.parse('2026-11-30T20:00:00.123Z');
    const id = newExecutionId(at);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.slice(3, 11) + id.slice(12, 16), 16)).toBe(at);
  });

  it('sorts ids made in later milliseconds after earlier ones, as text', () => {
    const ids = [0, 1, 255, 256, 4095, 1_700_000_000_000, 1_700_000_000_001, 2 ** 47].map((t) => newExecutionId(t));
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats', () => {
    const at = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => newExecutionId(at)));
    expect(ids.size).toBe(10_000);
  });
});
