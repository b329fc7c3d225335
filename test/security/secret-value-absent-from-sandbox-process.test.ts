/**
 * Attack (information leak): the secret is used, so look for its value wherever the tool's
 * process could ever hold it. A tool sends the secret to its host, which echoes it back;
 * then, in the same call, the tool keeps a marker string of its own in its heap and waits. While
 * it waits, the test reads every sandbox process's environment (/proc/<pid>/environ) and
 * its whole readable memory (/proc/<pid>/maps + /proc/<pid>/mem, we run as root), looking
 * for the value as one-byte and as UTF-16 text. What must hold: the value never enters a
 * sandbox process (the server substitutes it on the way out and redacts the echo on the way
 * in), so it is found in none; and it is in no result, log row, database byte or stderr line.
 *
 * Both checks are shown able to fail: the same scan finds the tool's marker in a sandbox
 * process, and finds the secret's value in the server process, which holds it by design.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { capabilitiesConfig, expectTextNowhere, secretValue } from './helpers/capabilities.js';
import { createOk, workerPids } from './helpers/bounds.js';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { httpTarget, type HttpTarget } from './helpers/http-target.js';
import { scanMemory, stringForms } from './helpers/process-memory.js';

const SECRET = secretValue();
let home: HttpTarget;
let server: SecurityServer;
/** Holds the tool's /gate request until the scan is done. */
let releaseGate: () => void = () => undefined;
let gateReached: Promise<void>;
let reachGate: () => void = () => undefined;
beforeAll(async () => {
  gateReached = new Promise((resolve) => (reachGate = resolve));
  home = await httpTarget((req, res, received) => {
    if (req.url === '/gate') {
      releaseGate = () => res.end('go');
      reachGate();
      return;
    }
    res.end(`you sent ${String(received.headers.authorization)}`);
  });
  server = await startSecurityServer({
    config: capabilitiesConfig({ allow: [home.pattern], secrets: { API_TOKEN: { env: 'CHAMELEON_TEST_API_TOKEN', hosts: [home.pattern] } } }),
    env: { CHAMELEON_TEST_API_TOKEN: SECRET },
  });
});
afterAll(async () => {
  releaseGate();
  await server.close();
  await home.close();
});

const code = (base: string) => `
export default async (args: { parts: string[] }, ctx: any) => {
  const echoes: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await fetch('${base}/echo', { headers: { authorization: 'Bearer ' + ctx.secret('API_TOKEN') } });
    echoes.push(await r.text());
  }
  // Built here, at run time: the whole marker exists only in this heap.
  const marker = args.parts.join('');
  await (await fetch('${base}/gate')).text();
  return { echoes, markerLength: marker.length };
};`;

it("the secret's value is in no sandbox process's environment or memory while its echo is held there", async () => {
  await createOk(server, 'secret_memory', code(`http://${home.pattern}`), { capabilities: { fetch: [home.pattern], secrets: ['API_TOKEN'] }, timeout_ms: 30_000 });
  const marker = `MARKER_${secretValue('HEAP')}`;
  const parts = [marker.slice(0, 10), marker.slice(10, 30), marker.slice(30)];
  const call = server.call('secret_memory', { parts });
  await gateReached;

  const sandboxes = workerPids(server);
  expect(sandboxes.length).toBeGreaterThan(0);
  const secretForms = stringForms(SECRET);
  const scans = sandboxes.map((pid) => {
    const environ = fs.readFileSync(`/proc/${pid}/environ`);
    const scan = scanMemory(pid, [...secretForms, ...stringForms(marker)]);
    return { pid, environHasSecret: secretForms.some((f) => environ.includes(f)), secret: scan.found.slice(0, 2), marker: scan.found.slice(2), scan };
  });
  // The control: the server holds the value, and the same scan finds it there.
  const serverScan = scanMemory(server.serverPid, secretForms);
  releaseGate();
  const out = await call;

  expect(out.structuredContent, textOf(out)).toMatchObject({ status: 'SUCCESS', result: { markerLength: marker.length, echoes: Array(3).fill('you sent Bearer {{chameleon-secret:API_TOKEN}}') } });
  expect(home.received.filter((r) => r.url === '/echo').map((r) => r.headers.authorization)).toEqual(Array(3).fill(`Bearer ${SECRET}`));
  expect(serverScan.found.some(Boolean), 'the scan finds the value in the server process').toBe(true);
  expect(scans.some((s) => s.marker.some(Boolean)), 'the scan finds the tool\'s marker in a sandbox process').toBe(true);
  for (const s of scans) {
    expect(s.environHasSecret, `secret in /proc/${s.pid}/environ`).toBe(false);
    expect(s.secret, `secret in the memory of sandbox ${s.pid}`).toEqual([false, false]);
    expect(s.scan.bytesRead).toBeGreaterThan(20 * 1024 * 1024);
  }
  expectTextNowhere(server, SECRET, 'the secret');
  const read = scans.reduce((n, s) => n + s.scan.bytesRead, 0) / 2 ** 20;
  const ms = scans.reduce((n, s) => n + s.scan.ms, 0);
  await expectContained(server, {
    tool: 'secret_memory',
    note: `${scans.length} sandbox processes, ${read.toFixed(0)} MB of readable memory scanned in ${ms.toFixed(0)} ms: the value 0 times, the tool's marker found; the value found in the server (control)`,
  });
});
