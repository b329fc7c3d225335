import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createToolEvents } from '../../../src/mcp/events.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function listening(windowMs = 100) {
  const events = createToolEvents({ windowMs });
  const heard = { alice: 0, alice2: 0, bob: 0 };
  events.subscribe('alice', () => heard.alice++);
  events.subscribe('alice', () => heard.alice2++);
  events.subscribe('bob', () => heard.bob++);
  return { events, heard };
}

describe('createToolEvents()', () => {
  it('announces the first change at once, to every listener of that persona only', () => {
    const { events, heard } = listening();
    events.toolsChanged('alice');
    expect(heard).toEqual({ alice: 1, alice2: 1, bob: 0 });
  });

  it('gathers a burst into one announcement at the end of the window (the last change is announced)', () => {
    const { events, heard } = listening();
    events.toolsChanged('alice');
    for (let i = 0; i < 49; i++) {
      vi.advanceTimersByTime(1);
      events.toolsChanged('alice');
    }
    expect(heard.alice).toBe(1);
    vi.advanceTimersByTime(100);
    expect(heard.alice).toBe(2);
    // Nothing more to say: the window closes without another announcement.
    vi.advanceTimersByTime(1_000);
    expect(heard.alice).toBe(2);
  });

  it('a steady stream of changes is announced once per window, and a change after a quiet window at once', () => {
    const { events, heard } = listening();
    for (let t = 0; t < 1_000; t += 10) {
      events.toolsChanged('alice');
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(200);
    // The leading one, then one per 100 ms window: 11, against 100 changes.
    expect(heard.alice).toBe(11);
    vi.advanceTimersByTime(1_000);
    events.toolsChanged('alice');
    expect(heard.alice).toBe(12);
  });

  it('windows are per persona', () => {
    const { events, heard } = listening();
    events.toolsChanged('alice');
    events.toolsChanged('bob');
    events.toolsChanged('alice');
    expect(heard).toEqual({ alice: 1, alice2: 1, bob: 1 });
    vi.advanceTimersByTime(100);
    expect(heard).toEqual({ alice: 2, alice2: 2, bob: 1 });
  });

  it('a listener that unsubscribes hears nothing more, pending announcements included', () => {
    const events = createToolEvents({ windowMs: 100 });
    let heard = 0;
    const unsubscribe = events.subscribe('alice', () => heard++);
    events.toolsChanged('alice');
    events.toolsChanged('alice');
    unsubscribe();
    vi.advanceTimersByTime(100);
    expect(heard).toBe(1);
  });
});
