import { LRUCache } from 'lru-cache';

/**
 * How the calls of one tool share its isolates ("lanes"). An isolate runs one call at a time,
 * so calls of a slow tool that all went to its one isolate waited for each other, and their
 * deadlines ran while they waited (issue 12, item 1). Here:
 *
 * - A call goes to an idle lane of its tool; if none is idle and the tool is not known to be
 *   quick, a new lane opens (a new isolate, placed on the next sandbox process), up to
 *   `maxLanes`. Past that the call waits here, in the server, where no deadline runs.
 * - A tool known to be quick (its last call used less than `quickCpuMs` of CPU) has its calls
 *   sent at once to its least busy lane, where they run back to back: opening an isolate
 *   (~30 ms for its hardened realm) costs more than waiting behind a call of a few ms, and
 *   calls that travel together are batched into one message (supervisor.ts).
 * - A call that finds `maxWaiting` calls of its tool already waiting is refused as `overloaded`:
 *   the caller should retry later; the tool is not at fault, and no process is killed for it.
 * - A load check (a new version's probe, from create/update) never waits behind calls of the
 *   old version: it takes an idle lane, or one lane past `maxLanes` kept for that.
 */
export interface LaneOptions {
  maxLanes: number;
  maxWaiting: number;
  quickCpuMs: number;
}

export interface ToolLaneState<W> {
  readonly key: string;
  /** Calls sent and not answered, per lane. */
  readonly inFlight: number[];
  /** Calls waiting for a lane, oldest first (load checks go to the front). */
  readonly waiting: W[];
  /** What the last call that ran to its end showed; unknown until one did. */
  speed: 'quick' | 'slow' | 'unknown';
}

export type LaneChoice = number | 'wait' | 'overloaded';

/** Remembered tools; a forgotten one only loses what its speed was (its lanes' counts stay with the calls). */
const MAX_TOOLS = 10_000;

export class ToolLanes<W> {
  private readonly tools = new LRUCache<string, ToolLaneState<W>>({ max: MAX_TOOLS });
  /** Tools with calls waiting, whether or not the cache still remembers them. */
  private readonly withWaiting = new Set<ToolLaneState<W>>();

  constructor(private readonly options: LaneOptions) {}

  stateOf(key: string): ToolLaneState<W> {
    let state = this.tools.get(key);
    if (!state) {
      state = { key, inFlight: [], waiting: [], speed: 'unknown' };
      this.tools.set(key, state);
    }
    return state;
  }

  /** Where a new call of the tool goes. */
  choose(state: ToolLaneState<W>, probe: boolean): LaneChoice {
    // Calls already waiting go first.
    const lane = state.waiting.length > 0 && !probe ? null : this.free(state, probe);
    if (lane !== null) return lane;
    return state.waiting.length >= this.options.maxWaiting && !probe ? 'overloaded' : 'wait';
  }

  /** Holds a call until a lane is free; a load check goes first. */
  wait(state: ToolLaneState<W>, call: W, probe: boolean): void {
    if (probe) state.waiting.unshift(call);
    else state.waiting.push(call);
    this.withWaiting.add(state);
  }

  /** The oldest waiting call, once a lane is free for it: its lane, or null if none is. */
  next(state: ToolLaneState<W>, isProbe: (call: W) => boolean): { call: W; lane: number } | null {
    const call = state.waiting[0];
    if (call === undefined) return null;
    const lane = this.free(state, isProbe(call));
    if (lane === null) return null;
    state.waiting.shift();
    if (state.waiting.length === 0) this.withWaiting.delete(state);
    return { call, lane };
  }

  /** Takes one waiting call out of the queue (it will not run); false when it is not waiting. */
  remove(state: ToolLaneState<W>, call: W): boolean {
    const at = state.waiting.indexOf(call);
    if (at < 0) return false;
    state.waiting.splice(at, 1);
    if (state.waiting.length === 0) this.withWaiting.delete(state);
    return true;
  }

  /** Every waiting call, taken out (the pool is shutting down). */
  takeAllWaiting(): W[] {
    const all = [...this.withWaiting].flatMap((state) => state.waiting.splice(0));
    this.withWaiting.clear();
    return all;
  }

  /** A lane the tool's oldest waiting call can go to now, or null. */
  free(state: ToolLaneState<W>, probe: boolean): number | null {
    const { inFlight } = state;
    const open = Math.min(inFlight.length, probe ? inFlight.length : this.options.maxLanes);
    for (let lane = 0; lane < open; lane++) if (inFlight[lane] === 0) return lane;
    if (state.speed === 'quick' && !probe && open > 0) {
      const lane = leastBusy(inFlight, open);
      if (inFlight[lane]! < this.options.maxWaiting) return lane;
      return null;
    }
    const bound = probe ? this.options.maxLanes + 1 : this.options.maxLanes;
    if (inFlight.length < bound) {
      inFlight.push(0);
      return inFlight.length - 1;
    }
    return null;
  }

  /** A call of the tool ended on `lane`; `cpuMs` and `hitLimit` say how it went (null: it did not run). */
  finished(state: ToolLaneState<W>, lane: number, outcome: { cpuMs: number | null; hitLimit: boolean; probe: boolean }): void {
    state.inFlight[lane] = Math.max(0, (state.inFlight[lane] ?? 1) - 1);
    // A load check runs no handler: it says nothing about how long calls take.
    if (outcome.probe) return;
    if (outcome.hitLimit || (outcome.cpuMs !== null && outcome.cpuMs >= this.options.quickCpuMs)) state.speed = 'slow';
    else if (outcome.cpuMs !== null) state.speed = 'quick';
  }
}

function leastBusy(inFlight: number[], open: number): number {
  let best = 0;
  for (let lane = 1; lane < open; lane++) if (inFlight[lane]! < inFlight[best]!) best = lane;
  return best;
}

/** The isolate key of a tool's lane: lane 0 keeps the tool's own key, so one lane is what it always was. */
export function laneIsolateKey(toolKey: string, lane: number): string {
  return lane === 0 ? toolKey : `${toolKey}#${lane}`;
}
