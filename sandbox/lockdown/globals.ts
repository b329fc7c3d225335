/*
 * The global object keeps only the names the permits give it (intrinsics.ts's GLOBAL_NAMES,
 * plus Infinity, NaN, undefined and globalThis), each holding the very intrinsic it names.
 * Everything else on it is removed: WeakRef, FinalizationRegistry, SharedArrayBuffer, Atomics,
 * WebAssembly and whatever else the engine adds that nobody listed.
 */
import type { Intrinsics } from './intrinsics.js';
import { GLOBAL_NAMES } from './intrinsics.js';

const CONSTANTS = new Set(['Infinity', 'NaN', 'undefined']);

export function removeUnpermittedGlobals(global: typeof globalThis, intrinsics: Intrinsics): void {
  const hasOwn = (obj: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(obj, key);
  for (const key of Reflect.ownKeys(global)) {
    const desc = Object.getOwnPropertyDescriptor(global, key);
    if (!desc) continue;
    if (typeof key === 'string' && 'value' in desc) {
      if (CONSTANTS.has(key)) continue;
      if (key === 'globalThis' && desc.value === global) continue;
      const name = hasOwn(GLOBAL_NAMES, key) ? GLOBAL_NAMES[key] : undefined;
      if (name !== undefined && intrinsics.byName.get(name) === desc.value) continue;
    }
    if (!Reflect.deleteProperty(global, key)) throw new TypeError(`Chameleon lockdown failed: cannot remove global ${String(key)}`);
  }
}
