/**
 * Summarises V8 CPU profiles of one call (isolated-vm's `stopCpuProfiler` result) into where
 * the tool's own code was hot in the last part of the run: the functions of one script the
 * samples were in, each with its commonest path of callers.
 *
 * The profile is data about guest code (its function names are the guest's to choose) and can
 * be large (a deep recursion makes one node per depth), so everything here is bounded: nodes
 * and samples read, frames walked per node, frames and functions kept, name length.
 *
 * V8 attributes a sample to a function, not a line: each node's position is where its
 * function starts (isolated-vm 5.0.4 does not pass on V8's per-line ticks).
 */
import type { CpuSamples, SampledFrame } from './protocol.js';

/** The part of isolated-vm's ThreadCpuProfile read here (its .d.ts misspells lineNumber). */
export interface ProfileData {
  profile: {
    startTime: number;
    samples: number[];
    timeDeltas: number[];
    nodes: Array<{ id: number; children: number[]; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  };
}

const MAX_NODES = 200_000;
const MAX_SAMPLES = 200_000;
/** Frames of the script kept per path (innermost first), and parent links walked to find them. */
const MAX_PATH_FRAMES = 16;
const MAX_WALK = 10_000;
const MAX_HOT = 3;
const MAX_NAME = 200;
/** The window: the last half of the sampled run ("where was it when it was stopped"). */
const WINDOW_SHARE = 0.5;

interface Node {
  parent: number | null;
  frame: SampledFrame | null;
}

/** Null when the profiles hold no sample at all (nothing ran while they were taken). */
export function summariseProfiles(profiles: readonly ProfileData[], filename: string): CpuSamples | null {
  const nodes = new Map<string, Node>();
  const samples: Array<{ at: number; node: string }> = [];
  profiles.forEach((thread, p) => readProfile(thread, p, filename, nodes, samples));
  if (samples.length === 0) return null;

  let first = Infinity;
  let last = -Infinity;
  for (const s of samples) {
    first = Math.min(first, s.at);
    last = Math.max(last, s.at);
  }
  const from = last - (last - first) * WINDOW_SHARE;
  const pathsByNode = new Map<string, SampledFrame[]>();
  type Counted = { count: number; frames: SampledFrame[] };
  const byFunction = new Map<string, { count: number; paths: Map<string, Counted> }>();
  let total = 0;
  for (const s of samples) {
    if (s.at < from) continue;
    total += 1;
    const path = pathOf(s.node, nodes, pathsByNode);
    const top = path[0];
    if (top === undefined) continue;
    const key = frameKey(top);
    const hot = byFunction.get(key) ?? { count: 0, paths: new Map<string, Counted>() };
    hot.count += 1;
    const pathKey = path.map(frameKey).join('\n');
    const seen = hot.paths.get(pathKey) ?? { count: 0, frames: path };
    seen.count += 1;
    hot.paths.set(pathKey, seen);
    byFunction.set(key, hot);
  }
  const hot = [...byFunction.values()]
    .sort((a, b) => b.count - a.count)
    .slice(0, MAX_HOT)
    .map(({ count, paths }) => ({ count, frames: [...paths.values()].sort((a, b) => b.count - a.count)[0]!.frames }));
  return { total, windowMs: Math.round((last - from) / 1000), hot };
}

function readProfile(thread: ProfileData, p: number, filename: string, nodes: Map<string, Node>, samples: Array<{ at: number; node: string }>): void {
  const profile = thread?.profile;
  if (profile === undefined || !Array.isArray(profile.nodes) || !Array.isArray(profile.samples)) return;
  // Node ids are per profile (one per isolate entry): prefix them with the profile's index.
  const id = (n: number): string => `${p}:${n}`;
  for (const node of profile.nodes.slice(0, MAX_NODES)) {
    const here = nodes.get(id(node.id)) ?? { parent: null, frame: null };
    here.frame = frameOf(node.callFrame, filename);
    nodes.set(id(node.id), here);
    if (!Array.isArray(node.children)) continue;
    for (const child of node.children) {
      const below = nodes.get(id(child)) ?? { parent: null, frame: null };
      below.parent = node.id;
      nodes.set(id(child), below);
    }
  }
  // isolated-vm's timeDeltas are offsets from the profile's start, in microseconds.
  const count = Math.min(profile.samples.length, MAX_SAMPLES);
  for (let i = 0; i < count; i++) {
    const at = Number(profile.startTime) + Number(profile.timeDeltas[i] ?? 0);
    if (Number.isFinite(at)) samples.push({ at, node: id(profile.samples[i]!) });
  }
}

function frameOf(callFrame: ProfileData['profile']['nodes'][number]['callFrame'] | undefined, filename: string): SampledFrame | null {
  if (callFrame?.url !== filename) return null;
  const { lineNumber: line, columnNumber: column } = callFrame;
  if (!Number.isInteger(line) || !Number.isInteger(column)) return null;
  const name = typeof callFrame.functionName === 'string' ? callFrame.functionName.slice(0, MAX_NAME) : '';
  return { functionName: name, line, column };
}

/** The frames of the script on the way from `leaf` to the root, innermost first; memoised per node. */
function pathOf(leaf: string, nodes: Map<string, Node>, memo: Map<string, SampledFrame[]>): SampledFrame[] {
  const known = memo.get(leaf);
  if (known) return known;
  const frames: SampledFrame[] = [];
  const prefix = leaf.slice(0, leaf.indexOf(':') + 1);
  let at: string | null = leaf;
  for (let steps = 0; at !== null && steps < MAX_WALK && frames.length < MAX_PATH_FRAMES; steps++) {
    const node = nodes.get(at);
    if (node === undefined) break;
    if (node.frame !== null) frames.push(node.frame);
    at = node.parent === null ? null : `${prefix}${node.parent}`;
  }
  memo.set(leaf, frames);
  return frames;
}

function frameKey(f: SampledFrame): string {
  return `${f.line}:${f.column}:${f.functionName}`;
}
