import { expect, it } from 'vitest';
import { createFastPathPolicy } from '../../../src/sandbox-host/worker/fast-path.js';

const policyWith = (syncAllowed: () => boolean) => createFastPathPolicy({ fastCpuMs: 20, retryAfter: 3, syncAllowed });

it('earns the fast path with one quick call, and loses it for retryAfter calls after a slow one', () => {
  const policy = policyWith(() => true);
  expect(policy.allows('v1')).toBe(false);
  policy.record('v1', 1, false);
  expect(policy.allows('v1')).toBe(true);
  policy.record('v1', 25, false);
  const decisions: boolean[] = [];
  for (let i = 0; i < 4; i++) {
    decisions.push(policy.allows('v1'));
    policy.record('v1', 1, false);
  }
  expect(decisions).toEqual([false, false, false, true]);
});

it('a call that hit a limit sends its version back to the async path', () => {
  const policy = policyWith(() => true);
  policy.record('v1', 1, false);
  policy.record('v1', 1, true);
  expect(policy.allows('v1')).toBe(false);
});

it('allows no synchronous call while syncAllowed says no (the RSS watchdog thread not up yet)', () => {
  let threadUp = false;
  const policy = policyWith(() => threadUp);
  policy.record('v1', 1, false);
  expect(policy.allows('v1')).toBe(false);
  threadUp = true;
  expect(policy.allows('v1')).toBe(true);
});
