/**
 * The function a tool's compiled code runs in, inside the sandbox (sandbox/prelude.ts binds
 * it): CommonJS's `module, exports, require`, and the recorder every rewritten `throw` calls
 * (throw-sites.ts). The sandbox (sandbox-host/worker/isolate-cache.ts) and the compiler's
 * early-error check (early-errors.ts) both wrap the code with these parameters, so that what
 * V8 refuses at create is exactly what it would refuse in the sandbox (a top-level
 * `const require`, or `let __chameleon_throw`).
 */
export const THROW_RECORDER = '__chameleon_throw';

export const MODULE_PARAMETERS = `module, exports, require, ${THROW_RECORDER}`;
