/**
 * Tells every session of a persona that its tool list changed. Over HTTP one process serves
 * many sessions; a tool created in one of them must show up in the others too.
 */
export interface ToolEvents {
  /** Calls `listener` whenever `persona`'s tools change; returns the unsubscribe function. */
  subscribe(persona: string, listener: () => void): () => void;
  toolsChanged(persona: string): void;
}

export function createToolEvents(): ToolEvents {
  const listeners = new Map<string, Set<() => void>>();
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
      for (const listener of [...(listeners.get(persona) ?? [])]) listener();
    },
  };
}
