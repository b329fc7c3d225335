/*
 * Lockdown: runs once in each isolate's context, after the prelude and before any tool code.
 *
 * Why: a context costs ~1 ms to make, ~200x a warm call (../shared/NOTES.md). Instead of a
 * fresh context per call, every call of a tool runs in one context whose shared state cannot
 * be changed, and each call evaluates the module body again, so module scope is fresh too.
 * What one call could leave for the next (a global, a patched built-in, a property on a
 * built-in function, a setter on a prototype) cannot be written.
 *
 * How: Hardened JavaScript's lockdown (SES), by allow-list, not by "freeze what is reachable":
 *   1. name every intrinsic as SES's permits name it, including those reachable only through
 *      syntax or through what built-ins return (lockdown/intrinsics.ts);
 *   2. remove every global and every property of every intrinsic that the permits do not
 *      allow: SES's permits, from the pinned `ses` package, plus Chameleon's few additions
 *      (lockdown/permits.ts, lockdown/globals.ts, lockdown/enforce.ts);
 *   3. repair the override mistake with SES's own code and plan: properties ordinary code
 *      assigns on instances (`err.name = ...`, `obj.toString = ...`) become accessor pairs whose
 *      getter carries the original value as `originalValue` (ses/src/enable-property-overrides.js);
 *   4. freeze everything reachable from the global object and every intrinsic, accessor
 *      functions and their `originalValue` included (lockdown/harden.ts).
 * SES's lockdown() itself is not run: it is made for a start compartment whose code is
 * trusted (its Error keeps writable stackTraceLimit/prepareStackTrace hooks over engine state,
 * which would carry one call's setting into the next), and it costs ~45-60 ms per isolate
 * against this file's measured cost (SECURITY.md, "Pristine state").
 *
 * scripts/build.mjs bundles this file and its imports into dist/sandbox/lockdown.js, a script.
 */
import enablePropertyOverrides from 'ses/src/enable-property-overrides.js';
import { removeUnpermitted } from './lockdown/enforce.js';
import { removeUnpermittedGlobals } from './lockdown/globals.js';
import { harden } from './lockdown/harden.js';
import { collectIntrinsics } from './lockdown/intrinsics.js';

((global: typeof globalThis) => {
  const intrinsics = collectIntrinsics(global);
  removeUnpermittedGlobals(global, intrinsics);
  removeUnpermitted(intrinsics);
  // SES's 'severe' plan: every property of Object.prototype (and Map, Set and TypedArray
  // prototypes) can be overridden on an instance, so `counts[word] = n` works for any word,
  // 'constructor' and 'toString' included, as it did before this lockdown.
  enablePropertyOverrides(Object.fromEntries(intrinsics.byName), 'severe', { warn() {} });
  harden([global, ...intrinsics.byName.values()]);
  if (!Object.isFrozen(global) || !Object.isFrozen(Object.prototype)) {
    // Never run tool code in a realm that failed to lock down.
    throw new TypeError('Chameleon lockdown failed');
  }
})(globalThis);
