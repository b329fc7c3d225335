/**
 * Tells every session of a persona that its tool list changed. Over HTTP one process serves
 * many sessions; a tool created in one of them must show up in the others too.
 *
 * Changes are coalesced: the first change is announced at once, and the changes that follow
 * within `windowMs` are announced together when the window ends (the trailing edge, so the last
 * change is always announced). Each announcement sends every session a notification, and a
 * client that follows nextCursor re-lists every page on each: 50 creates in a burst with 8
 * clients meant 400 full listings (issue 12).
 */
export interface ToolEvents {
  /** Calls `listener` whenever `persona`'s tools change; returns the unsubscribe function. */
  subscribe(persona: string, listener: () => void): () => void;
  toolsChanged(persona: string): void;
}

/** Long enough to gather a burst of writes, short enough that a client sees its change at once. */
export const LIST_CHANGED_WINDOW_MS = 250;

export function createToolEvents(options: { windowMs?: number } = {}): ToolEvents {
  const windowMs = options.windowMs ?? LIST_CHANGED_WINDOW_MS;
  const listeners = new Map<string, Set<() => void>>();
  /** Personas inside a window, and whether a change arrived since its announcement. */
  const windows = new Map<string, { pending: boolean }>();

  const announce = (persona: string) => {
    for (const listener of [...(listeners.get(persona) ?? [])]) listener();
  };
  const openWindow = (persona: string) => {
    const window = { pending: false };
    windows.set(persona, window);
    // Unref'd: a pending announcement must not keep a stopping process alive.
    setTimeout(() => {
      windows.delete(persona);
      if (window.pending) {
        announce(persona);
        openWindow(persona);
      }
    }, windowMs).unref();
  };

  return {
    subscribe(persona, listener) {
      let set = listeners.get(persona);
      if (!set) listeners.set(persona, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(persona);
      };
    },
    toolsChanged(persona) {
      const window = windows.get(persona);
      if (window) {
        window.pending = true;
        return;
      }
      announce(persona);
      openWindow(persona);
    },
  };
}
