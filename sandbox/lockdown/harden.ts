/*
 * Freezes everything reachable from the roots: through prototypes, own properties of every
 * kind, and the getter and setter functions of accessors, with their own properties (so the
 * original value behind an override accessor, its getter's `originalValue`, is frozen too).
 * It never calls a getter: after enforce.ts, every accessor on an intrinsic is a permitted one.
 */
export function harden(roots: unknown[]): void {
  const { freeze, getOwnPropertyDescriptor, getPrototypeOf } = Object;
  const { ownKeys } = Reflect;
  const queue: unknown[] = [...roots];
  const seen = new Set<unknown>();
  while (queue.length > 0) {
    const value = queue.pop();
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) continue;
    seen.add(value);
    freeze(value);
    queue.push(getPrototypeOf(value));
    for (const key of ownKeys(value)) {
      const desc = getOwnPropertyDescriptor(value, key);
      if (!desc) continue;
      if ('value' in desc) queue.push(desc.value);
      // eslint-disable-next-line @typescript-eslint/unbound-method
      else queue.push(desc.get, desc.set);
    }
  }
}
