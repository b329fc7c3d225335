import { describe, expect, it } from 'vitest';
import { createSessionTable, type TrackedSession } from '../../../src/mcp/http-sessions.js';

function table(limits = { maxSessions: 3, maxPerClient: 2, idleMs: 10_000 }) {
  const clock = { t: 0 };
  return { clock, sessions: createSessionTable<TrackedSession>(limits, () => clock.t) };
}

describe('createSessionTable()', () => {
  it('reserve() counts initializes still in progress, so a burst cannot pass the limit', () => {
    const { sessions } = table();
    expect('release' in sessions.reserve('a')).toBe(true);
    expect('release' in sessions.reserve('b')).toBe(true);
    expect('release' in sessions.reserve('c')).toBe(true);
    expect(sessions.reserve('d')).toMatchObject({ status: 503 });
  });

  it('reserve() refuses a third session from one address with 429, and a released place is free again', () => {
    const { sessions } = table();
    sessions.add('s1', { client: 'a', lastSeen: 0, open: 0 });
    const second = sessions.reserve('a');
    expect(sessions.reserve('a')).toMatchObject({ status: 429, message: expect.stringMatching(/at most 2 at once/) as unknown });
    if ('release' in second) second.release();
    expect('release' in sessions.reserve('a')).toBe(true);
  });

  it('reserve() gives Retry-After as the time until the first idle session expires, never below 1 s', () => {
    const { clock, sessions } = table();
    sessions.add('s1', { client: 'a', lastSeen: 0, open: 1 });
    sessions.add('s2', { client: 'b', lastSeen: 2_000, open: 0 });
    sessions.add('s3', { client: 'c', lastSeen: 4_000, open: 0 });
    clock.t = 5_000;
    expect(sessions.reserve('d')).toMatchObject({ status: 503, retryAfterSeconds: 7 });
    clock.t = 11_999.5;
    expect(sessions.reserve('d')).toMatchObject({ retryAfterSeconds: 1 });
  });

  it('expired() returns sessions idle for idleMs, never one with a request or stream open', () => {
    const { clock, sessions } = table();
    sessions.add('busy', { client: 'a', lastSeen: 0, open: 1 });
    sessions.add('idle', { client: 'a', lastSeen: 0, open: 0 });
    sessions.add('recent', { client: 'b', lastSeen: 5_000, open: 0 });
    clock.t = 10_000;
    expect(sessions.expired().map(([id]) => id)).toEqual(['idle']);
    sessions.get('idle'); // seen now: no longer idle
    expect(sessions.expired()).toEqual([]);
  });
});
