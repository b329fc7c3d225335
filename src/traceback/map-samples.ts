/**
 * CPU samples of a timed-out call (src/sandbox-host/cpu-samples.ts) in the agent's own source:
 * the functions the CPU was in, each with its share of the samples and its callers, as frames
 * marked `sampled`. A sampled frame's position is where its function starts: V8 attributes a
 * sample to a function, and isolated-vm does not pass on which of its lines.
 */
import type { Frame } from '../model.js';
import type { CpuSamples } from '../sandbox-host/protocol.js';
import { singleLine } from './display-text.js';
import { mapRawFrames, type MapStackInput } from './map-stack.js';
import { MAX_FUNCTION_NAME_LENGTH, type RawFrame } from './parse-stack.js';
import { oneBasedColumn, oneBasedLine } from './positions.js';

export interface HotFunction {
  /** Share of the window's samples whose innermost frame of the tool was this function, 0-1. */
  share: number;
  /** Innermost first, every frame `sampled: true`; frames[0] is the hot function. */
  frames: Frame[];
}

export interface MappedSamples {
  total: number;
  windowMs: number;
  /** Hottest first; only functions that could be mapped to the source. */
  hot: HotFunction[];
}

/** Never rejects: samples that cannot be mapped are left out. */
export async function mapSamples(
  samples: CpuSamples,
  filename: string,
  input: Pick<MapStackInput, 'persona' | 'resolveVersion' | 'cache'>,
): Promise<MappedSamples> {
  const hot: HotFunction[] = [];
  for (const hotFunction of Array.isArray(samples.hot) ? samples.hot : []) {
    try {
      const { count, frames } = hotFunction;
      const raw = frames.map((f) => rawFrame(f.functionName, f.line, f.column, filename));
      const mapped = await mapRawFrames(raw, input, 'function-starts');
      if (mapped.frames.length === 0) continue;
      hot.push({ share: samples.total > 0 ? count / samples.total : 0, frames: mapped.frames.map((f) => ({ ...f, sampled: true as const })) });
    } catch {
      // A sample is a hint: one that cannot be mapped is dropped, the failure stands without it.
    }
  }
  return { total: samples.total, windowMs: samples.windowMs, hot };
}

function rawFrame(functionName: string, line: number, column: number, fileName: string): RawFrame {
  return {
    functionName: functionName === '' ? null : singleLine(functionName, MAX_FUNCTION_NAME_LENGTH),
    fileName,
    // The module wrapper's own line (0) is not in the source: such a frame is not mapped.
    line1: oneBasedLine(line),
    column1: oneBasedColumn(column),
    isAsync: false,
    isConstructor: false,
    isEval: false,
  };
}

/** `97% of the CPU samples of its last 480 ms were in collatz (collatz.ts:18:10, where that function starts)`. */
export function describeSamples(mapped: MappedSamples): string | null {
  const top = mapped.hot[0];
  const frame = top?.frames[0];
  if (top === undefined || frame === undefined) return null;
  const percent = Math.round(top.share * 100);
  return `${percent}% of the CPU samples of its last ${mapped.windowMs} ms were in ${frame.function} (${frame.file}:${frame.line}:${frame.column}, where that function starts)`;
}
