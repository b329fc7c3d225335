import type { Failure } from '../model.js';
import type { CpuSamples, WorkerFault } from '../sandbox-host/protocol.js';
import { codeFrame } from '../traceback/code-frame.js';
import { describeSamples, mapSamples } from '../traceback/map-samples.js';
import { FAULT_NAMES, plainFailure, type FailureContext } from './failures.js';

/** Said when a call stopped at its CPU limit was not sampled (see worker/cpu-profile.ts). */
export const NOT_SAMPLED =
  'This call was not sampled: a version whose last call was quick runs on a fast path where the CPU profiler cannot run. The next calls of this version are sampled: if one times out again, its error says which function the CPU was in.';

/**
 * A call stopped at its CPU-time limit, with where its CPU was: the hottest function of the
 * tool and its callers as `sampled` frames, the code frame at that function, and the share of
 * the samples in the message. `samples` is null when the call was not sampled.
 */
export async function cpuTimeoutFailure(fault: WorkerFault, samples: CpuSamples | null, filename: string, ctx: FailureContext): Promise<Failure> {
  const base = plainFailure(fault.kind, FAULT_NAMES[fault.kind], fault.message);
  if (samples === null) return { ...base, message: `${fault.message} ${NOT_SAMPLED}` };
  const mapped = await mapSamples(samples, filename, { persona: ctx.persona, resolveVersion: ctx.resolveVersion, cache: ctx.sourceMaps });
  const where = describeSamples(mapped);
  const top = mapped.hot[0]?.frames[0];
  if (where === null || top === undefined) {
    const none = `None of the ${samples.total} CPU samples of its last ${samples.windowMs} ms were in a function of yours (code at the top level of the module, or only built-ins).`;
    return { ...base, message: `${fault.message} ${none}` };
  }
  const version = ctx.resolveVersion(top.tool, top.version);
  return {
    ...base,
    message: insertAfterFirstSentence(fault.message, `${where}.`),
    frames: mapped.hot[0]!.frames,
    codeFrame: version ? codeFrame(version.source, top.line, top.column) || null : null,
    details: {
      cpuSamples: {
        total: mapped.total,
        windowMs: mapped.windowMs,
        hot: mapped.hot.map((h) => ({ share: Math.round(h.share * 1000) / 1000, function: h.frames[0]!.function, file: h.frames[0]!.file, line: h.frames[0]!.line, column: h.frames[0]!.column })),
      },
    },
  };
}

/** `A. B.` + `C.` = `A. C. B.`: where the CPU was comes right after what happened. */
function insertAfterFirstSentence(message: string, sentence: string): string {
  const end = message.indexOf('. ');
  return end < 0 ? `${message} ${sentence}` : `${message.slice(0, end + 1)} ${sentence}${message.slice(end + 1)}`;
}
