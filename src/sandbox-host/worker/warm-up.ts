import type ivm from 'isolated-vm';
import { callMetaJson } from '../protocol.js';
import type { EntryFunction, Realm } from './isolate-cache.js';

/**
 * A spare realm runs a tool of our own a few times before a new tool gets it.
 *
 * V8 compiles a function the first time it runs: in a fresh realm that is most of the
 * prelude (`bind`, the entry, the console buffer, the result's JSON check), and the first
 * entry of an isolate from this thread has its own setup cost. Measured on these machines, a
 * new tool's load check and first call each took ~0.5 ms longer in a realm that had never run
 * a call. Done here, while the process is idle, that cost is off the new tool's path.
 *
 * The warm-up code is ours, and it runs after lockdown like any tool: it cannot leave state
 * for the tool that takes the realm (the prelude's only mutable state is per-call).
 */
const WARM_UP_MODULE = [
  '__chameleon_bind(function __chameleon_module(module, exports, require) {',
  '"use strict";',
  'exports.default = function warmUp(args) {',
  '  const out = { sum: args.a + args.b };',
  '  return args.later ? Promise.resolve(out) : out;',
  '};',
  '})',
].join('\n');

const META = (probe: boolean): string => callMetaJson({ persona: '', tool: { name: 'warm_up', version: 1 }, maxResultChars: 4096, maxConsoleChars: 4096, probe });

const ROUNDS = 2;
const TIMEOUT_MS = 1_000;

/** Runs the warm-up synchronously on this thread; throws if the realm cannot run it. */
export function warmUpRealm(isolate: ivm.Isolate, realm: Realm): void {
  const script = isolate.compileScriptSync(WARM_UP_MODULE, { filename: 'chameleon-warm-up.js' });
  let enter: ivm.Reference<EntryFunction> | null = null;
  try {
    enter = script.runSync(realm.context, { reference: true, timeout: TIMEOUT_MS }) as ivm.Reference<EntryFunction>;
    const probe = META(true);
    const call = META(false);
    for (let i = 0; i < ROUNDS; i++) {
      expectEnvelope(enter.applySync(undefined, ['{}', probe, 'warm-up'], { timeout: TIMEOUT_MS }));
      expectEnvelope(enter.applySync(undefined, ['{"a":1,"b":2}', call, 'warm-up'], { timeout: TIMEOUT_MS }));
      const token = enter.applySync(undefined, ['{"a":1,"b":2,"later":true}', call, 'warm-up'], { timeout: TIMEOUT_MS });
      if (typeof token !== 'number') throw new Error('the warm-up call returned no token for a promise');
      expectEnvelope(realm.take.applySync(undefined, [token]));
    }
  } finally {
    enter?.release();
    script.release();
  }
}

function expectEnvelope(out: unknown): void {
  if (typeof out !== 'string' || !out.startsWith('{"ok":true')) throw new Error(`the warm-up call failed: ${String(out).slice(0, 200)}`);
}
