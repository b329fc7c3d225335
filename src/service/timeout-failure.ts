import type { Failure } from '../model.js';
import type { CpuSamples, NotSampled, WorkerFault } from '../sandbox-host/protocol.js';
import { codeFrame } from '../traceback/code-frame.js';
import { describeSamples, mapSamples } from '../traceback/map-samples.js';
import { FAULT_NAMES, firstOwnFrame, plainFailure, type FailureContext } from './failures.js';

/**
 * Said when a call stopped at its CPU limit was not sampled (see worker/cpu-profile.ts): what
 * the agent can do to learn where the CPU goes.
 */
export const NOT_SAMPLED: Record<NotSampled['notSampled'], string> = {
  first_timeout:
    'Where its CPU was is not known yet: only a call that follows a timeout of the same version is sampled. Call the tool again with the same arguments: if it times out again, its error names the function the CPU was in.',
  fast_path:
    'Where its CPU was is not known yet: this call ran on the fast path, where no profiler can run. Call the tool again with the same arguments: if it times out again, its error names the function the CPU was in.',
  short_limit:
    'Where its CPU was is not known: calls whose timeout_ms is under 200 are not sampled (starting the profiler takes a few ms of the call\'s own CPU time). Raise timeout_ms to 200 or more, and a call that times out after a timeout will name the function the CPU was in.',
  budget_spent:
    'Where its CPU was is not known: this sandbox process has sampled as many calls as it may (each costs memory that the engine never gives back). Calls are sampled again once the server is restarted (its sandbox processes are new then).',
  unreadable: 'Where its CPU was is not known: its CPU samples could not be read.',
};

/**
 * A call stopped at its CPU-time limit, with where its CPU was: the hottest function of the
 * tool and its callers as `sampled` frames, the code frame at that function, and the share of
 * the samples in the message; or, when it was not sampled, why and what to do.
 */
export async function cpuTimeoutFailure(fault: WorkerFault, samples: CpuSamples | NotSampled, filename: string, ctx: FailureContext): Promise<Failure> {
  const base = plainFailure(fault.kind, FAULT_NAMES[fault.kind], fault.message);
  if ('notSampled' in samples) return { ...base, message: `${fault.message} ${NOT_SAMPLED[samples.notSampled] ?? NOT_SAMPLED.unreadable}` };
  const mapped = await mapSamples(samples, filename, { persona: ctx.persona, resolveVersion: ctx.resolveVersion, cache: ctx.sourceMaps });
  const where = describeSamples(mapped);
  const top = firstOwnFrame(mapped.hot[0]?.frames ?? []);
  if (where === null || top === undefined) {
    const none = `None of the ${samples.total} CPU samples of its last ${samples.windowMs} ms were in a function of yours (code at the top level of the module, or only built-ins).`;
    return { ...base, message: `${fault.message} ${none}` };
  }
  const version = await ctx.resolveVersion(top.tool, top.version);
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
