import { expect, it } from 'vitest';
import { distUrl, runNodeScript } from '../helpers/node-script.js';

/**
 * The sandbox process's RSS watchdog (src/sandbox-host/worker/rss-watchdog.ts) samples on the
 * main thread until its own thread is up, so calls can start before that thread has booted.
 * Each case runs the built module in a child node process: a cap it passes kills that process.
 */
const WATCHDOG = distUrl('sandbox-host/worker/rss-watchdog.js');

function runWatchdog(body: string) {
  const script = `
    import { startRssWatchdog } from ${JSON.stringify(WATCHDOG)};
    const watchdog = startRssWatchdog({ intervalMs: 5, marginBytes: 1024 * 1024, fatalPrefix: 'FATAL ', onError: (e) => { process.stderr.write('watchdog error ' + e.message); process.exit(3); } });
    ${body}
  `;
  return runNodeScript(script);
}

it('kills the process from the main thread when a call passes the cap before the thread is up', () => {
  // A 16 MB cap is below any node process. setCap runs in the first turn of the event loop,
  // before the thread can be online.
  const out = runWatchdog(`
    process.stderr.write('online before: ' + watchdog.threadOnline() + '\\n');
    watchdog.setCap(16 * 1024 * 1024);
    setTimeout(() => process.stderr.write('still alive\\n'), 200);
  `);
  expect(out.signal).toBe('SIGKILL');
  expect(out.stderr).toContain('online before: false');
  expect(out.stderr).toMatch(/FATAL resident memory \d+ MB came within 1 MB of the cap of \d+ MB \(sampled on the main thread/);
  expect(out.stderr).not.toContain('still alive');
});

it('leaves the check to the thread once it is up, and stays quiet under the cap', () => {
  const out = runWatchdog(`
    watchdog.setCap(process.memoryUsage.rss() + 512 * 1024 * 1024);
    const up = setInterval(() => {
      if (!watchdog.threadOnline()) return;
      clearInterval(up);
      process.stderr.write('thread online\\n');
      watchdog.setCap(16 * 1024 * 1024);
      setTimeout(() => process.stderr.write('still alive\\n'), 500);
    }, 1);
  `);
  expect(out.signal).toBe('SIGKILL');
  expect(out.stderr).toContain('thread online');
  expect(out.stderr).toMatch(/FATAL resident memory \d+ MB came within 1 MB of the cap of \d+ MB\n/);
  expect(out.stderr).not.toContain('sampled on the main thread');
  expect(out.stderr).not.toContain('still alive');
});
