/**
 * Writes of one tool (create, update, rollback, delete) take turns, in the order they arrived. Each compiles and
 * runs its load check before it saves, and load checks run side by side (they never wait for
 * the tool's calls: sandbox-host/tool-lanes.ts); without turns, the update whose check ended
 * last would become the active version, whatever order the agent sent them in.
 */
export function createToolWriteTurns() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, write: () => Promise<T>): Promise<T> {
      const before = tails.get(key) ?? Promise.resolve();
      const mine = before.then(write, write);
      const tail = mine.catch(() => undefined);
      tails.set(key, tail);
      // The last in line removes the key, so the map holds only tools being written.
      void tail.then(() => tails.get(key) === tail && tails.delete(key));
      return mine;
    },
  };
}
