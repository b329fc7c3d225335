// Where the time of a warm call goes, measured on real calls rather than on parts alone:
// wall time per call, CPU per call of this (host) process and of the sandbox processes, the
// SQLite insert (timed by the log switch), and the wall time of the trip to the sandbox.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  /* 100 on every Linux we run on */
}

/** utime + stime of a process, all threads, in ms; null if unreadable. */
export function processCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
  } catch {
    return null;
  }
}

/**
 * Times the sandbox round trip by wrapping SandboxPool.prototype.run (dist), if it still exists
 * under that name. Returns a meter with the wall times of the trips made while `on`.
 */
export async function installPoolMeter(code) {
  const meter = { on: false, ms: [], installed: false };
  try {
    const { SandboxPool } = await code.import('sandbox-host/supervisor.js');
    const run = SandboxPool?.prototype?.run;
    if (typeof run !== 'function') return meter;
    SandboxPool.prototype.run = function timedRun(...args) {
      if (!meter.on) return run.apply(this, args);
      const t0 = performance.now();
      const done = run.apply(this, args);
      return Promise.resolve(done).finally(() => meter.ms.push(performance.now() - t0));
    };
    meter.installed = true;
  } catch {
    /* not there: the row says so */
  }
  return meter;
}
