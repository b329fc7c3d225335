import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/errors.js';
import { createTenantCounters } from '../../../src/tenants/quota-counters.js';
import { TenantQuotasSchema } from '../../../src/tenants/schema.js';

const quotas = (input: Record<string, number>) => TenantQuotasSchema.parse(input);
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (isAppError(err) && err.code === 'QUOTA_EXCEEDED') return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
};

describe('createTenantCounters', () => {
  it('startCall() refuses past concurrentCalls until a call is released, and counts release once', () => {
    const c = createTenantCounters('t', quotas({ concurrentCalls: 2 }));
    const a = c.startCall();
    c.startCall();
    expect(refusal(() => c.startCall())).toMatch(/^Quota concurrentCalls of tenant `t` reached/);
    a.release();
    a.release();
    expect(c.callsInProgress()).toBe(1);
    c.startCall();
    expect(c.peekRefusal()?.message).toMatch(/^Quota concurrentCalls/);
  });

  it('startCall() admits callsPerMinute calls in any 60 s and says when the oldest leaves the window', () => {
    let now = 1_000_000;
    const c = createTenantCounters('t', quotas({ callsPerMinute: 3, concurrentCalls: 100 }), () => now);
    for (let i = 0; i < 3; i++) {
      c.startCall().release();
      now += 10_000;
    }
    // The first call was 30 s ago: 30 s until it leaves the window.
    expect(refusal(() => c.startCall())).toContain('Retry after 30 s');
    expect(c.peekRefusal()?.message).toContain('Retry after 30 s');
    now += 30_000;
    expect(c.peekRefusal()).toBeNull();
    c.startCall().release();
    expect(refusal(() => c.startCall())).toContain('Retry after 10 s');
  });

  it('a refused call is not counted in the window', () => {
    let now = 0;
    const c = createTenantCounters('t', quotas({ callsPerMinute: 1, concurrentCalls: 1 }), () => now);
    const held = c.startCall();
    for (let i = 0; i < 5; i++) expect(refusal(() => c.startCall())).toMatch(/concurrentCalls/);
    held.release();
    now += 60_000;
    c.startCall().release();
  });

  it('checkLogRows() reads the store at most once a second and adds the calls admitted since', async () => {
    let now = 0;
    let reads = 0;
    let rows = 2;
    const count = (cap: number) => {
      reads++;
      expect(cap).toBe(4);
      return rows;
    };
    const c = createTenantCounters('t', quotas({ logRows: 4 }), () => now);
    await c.checkLogRows(count);
    c.startCall().release();
    await c.checkLogRows(count);
    c.startCall().release();
    await expect(c.checkLogRows(count)).rejects.toThrow(/^Quota logRows of tenant `t` reached: its execution log holds 4 rows \(limit 4\)/);
    expect(c.peekRefusal()?.message).toMatch(/^Quota logRows/);
    expect(reads).toBe(1);
    // Retention pruned meanwhile: the next read, a second later, sees it.
    rows = 1;
    now += 1_000;
    expect(c.peekRefusal()).toBeNull();
    await c.checkLogRows(count);
    expect(reads).toBe(2);
  });

  it('checkLogRows(): calls that find the count stale at once share one read, and admit only what the quota leaves', async () => {
    let reads = 0;
    let answer: (rows: number) => void = () => {};
    const count = () => {
      reads++;
      return new Promise<number>((resolve) => (answer = resolve));
    };
    const c = createTenantCounters('t', quotas({ logRows: 10, concurrentCalls: 10 }), () => 0);
    // A call still running (its row not yet written) when five calls find the count unread.
    const running = c.startCall();
    const waiting = Array.from({ length: 5 }, () => c.checkLogRows(count));
    answer(8);
    const outcomes = await Promise.allSettled(waiting);
    // 8 rows + the running call = 9: one more call fits under 10, the other four are refused.
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(reads).toBe(1);
    running.release();
  });

  it('checkLogRows() never reads the store without a logRows quota', async () => {
    const c = createTenantCounters('t', quotas({}));
    await c.checkLogRows(() => {
      throw new Error('read');
    });
  });

  it('reserveSession() holds httpSessions places and frees each once', () => {
    const c = createTenantCounters('t', quotas({ httpSessions: 1 }));
    const place = c.reserveSession(() => 9);
    expect('release' in place).toBe(true);
    const refused = c.reserveSession(() => 9);
    expect(refused).toEqual({ retryAfterSeconds: 9, message: expect.stringMatching(/^Quota httpSessions of tenant `t` reached: 1 sessions are open \(limit 1\)\..*retry after 9 s/) });
    if ('release' in place) {
      place.release();
      place.release();
    }
    expect(c.sessions()).toBe(0);
  });
});
