import { describe, expect, it } from 'vitest';
import { laneIsolateKey, ToolLanes } from '../../../src/sandbox-host/tool-lanes.js';

const options = { maxLanes: 2, maxWaiting: 3, quickCpuMs: 20 };

describe('ToolLanes', () => {
  it('opens a lane per busy call of a tool of unknown speed, up to the bound, then makes calls wait', () => {
    const lanes = new ToolLanes<string>(options);
    const tool = lanes.stateOf('p/t');
    expect(lanes.choose(tool, false)).toBe(0);
    tool.inFlight[0]!++;
    expect(lanes.choose(tool, false)).toBe(1);
    tool.inFlight[1]!++;
    expect(lanes.choose(tool, false)).toBe('wait');
  });

  it('refuses a call as overloaded once maxWaiting calls wait', () => {
    const lanes = new ToolLanes<string>(options);
    const tool = lanes.stateOf('p/t');
    for (const lane of [lanes.choose(tool, false), lanes.choose(tool, false)]) tool.inFlight[lane as number]!++;
    for (const name of ['a', 'b', 'c']) lanes.wait(tool, name, false);
    expect(lanes.choose(tool, false)).toBe('overloaded');
  });

  it('sends the calls of a quick tool to its least busy lane instead of opening one', () => {
    const lanes = new ToolLanes<string>(options);
    const tool = lanes.stateOf('p/t');
    tool.inFlight[lanes.choose(tool, false) as number]!++;
    lanes.finished(tool, 0, { cpuMs: 2, hitLimit: false, probe: false });
    expect(tool.speed).toBe('quick');
    tool.inFlight[lanes.choose(tool, false) as number]!++;
    expect(lanes.choose(tool, false)).toBe(0);
    expect(tool.inFlight).toHaveLength(1);
  });

  it('counts a call that hit a limit as slow, and ignores load checks', () => {
    const lanes = new ToolLanes<string>(options);
    const tool = lanes.stateOf('p/t');
    lanes.finished(tool, 0, { cpuMs: 1, hitLimit: false, probe: true });
    expect(tool.speed).toBe('unknown');
    lanes.finished(tool, 0, { cpuMs: 1, hitLimit: true, probe: false });
    expect(tool.speed).toBe('slow');
  });

  it('gives a load check a lane past the bound, and the front of the line', () => {
    const lanes = new ToolLanes<string>(options);
    const tool = lanes.stateOf('p/t');
    for (let i = 0; i < 2; i++) tool.inFlight[lanes.choose(tool, false) as number]!++;
    lanes.wait(tool, 'call', false);
    expect(lanes.choose(tool, true)).toBe(2);
    tool.inFlight[2]!++;
    expect(lanes.choose(tool, true)).toBe('wait');
    lanes.wait(tool, 'probe', true);
    expect(tool.waiting).toEqual(['probe', 'call']);
    // A new call does not pass the ones waiting, even when a lane has just been freed.
    tool.inFlight[0] = 0;
    expect(lanes.choose(tool, false)).toBe('wait');
    expect(lanes.next(tool, (w) => w === 'probe')).toEqual({ call: 'probe', lane: 0 });
  });

  it('keeps lane 0 on the tool key itself', () => {
    expect(laneIsolateKey('p/t', 0)).toBe('p/t');
    expect(laneIsolateKey('p/t', 3)).toBe('p/t#3');
  });
});

describe('ToolLanes.remove()', () => {
  it('takes a waiting call out of the queue once, and forgets a tool with nothing left waiting', () => {
    const lanes = new ToolLanes<string>(options);
    const tool = lanes.stateOf('p/t');
    for (const lane of [lanes.choose(tool, false), lanes.choose(tool, false)]) tool.inFlight[lane as number]!++;
    lanes.wait(tool, 'a', false);
    lanes.wait(tool, 'b', false);
    expect(lanes.remove(tool, 'a')).toBe(true);
    expect(lanes.remove(tool, 'a')).toBe(false);
    expect(tool.waiting).toEqual(['b']);
    expect(lanes.remove(tool, 'b')).toBe(true);
    expect(lanes.takeAllWaiting()).toEqual([]);
  });
});
