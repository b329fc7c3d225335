/**
 * Attack: idle connections hold every file descriptor the server may open, so the next sandbox
 * process cannot be started. fork() then fails with EMFILE (its 'error' event, a child with no
 * IPC channel); the server used to crash on `child.send is not a function` (issue 12, item 3).
 *
 * Produced for real: the server runs under `ulimit -n 64` with the connection cap raised out
 * of the way (the cap is what keeps this from happening by default), the test opens connections
 * until the server can accept no more, then SIGKILLs the sandbox process so it must be replaced.
 */
import type net from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { recordFigure } from './helpers/figures.js';
import { descendants } from '../e2e/helpers/cli.js';
import { callTool, connect, openSession, parseMessages, post, postOn, startLimitedServer, type LimitedServer } from './helpers/limited-http-server.js';

const ECHO = { name: 'echo_n', description: 'echo', code: 'export default (a: { n: number }) => ({ n: a.n });' };

describe('idle connections exhaust the descriptors a sandbox process needs', () => {
  let server: LimitedServer | undefined;
  const sockets: net.Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await server?.close();
  });

  it('serve --http survives a failed sandbox start, answers calls clearly, and recovers', async () => {
    server = await startLimitedServer({
      fdLimit: 64,
      config: { sandbox: { processes: 1 }, http: { maxConnections: 10_000, headersTimeoutMs: 300_000, requestTimeoutMs: 300_000 } },
    });
    const { url } = server;
    const session = await openSession(url);
    const created = await post(url, callTool('create_tool', ECHO), session);
    expect(created.messages[0]?.result?.isError, created.body).toBeFalsy();
    const first = await post(url, callTool('echo_n', { n: 1 }), session);
    expect(first.messages[0]?.result?.structuredContent).toMatchObject({ status: 'SUCCESS', result: { n: 1 } });

    // One connection kept for the call made while no other can be accepted.
    const spare = await connect(url);
    // Connect until the server closes what it accepts (libuv does that when out of descriptors).
    let refused = 0;
    for (let i = 0; i < 200 && refused < 5; i++) {
      const socket = await connect(url);
      sockets.push(socket);
      socket.once('close', () => refused++);
      socket.on('error', () => undefined);
      socket.resume();
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(refused, 'the server ran out of descriptors').toBeGreaterThan(0);

    const [sandbox] = descendants(server.child.pid!);
    expect(sandbox, 'a sandbox process').toBeDefined();
    process.kill(sandbox!, 'SIGKILL');
    await vi.waitFor(() => expect(/could not start a sandbox process|child\.send is not a function/.test(server!.stderr()) || server!.child.exitCode !== null).toBe(true), { timeout: 30_000, interval: 25 });
    await new Promise((r) => setTimeout(r, 200));
    expect(server.child.exitCode, `server exited:\n${server.stderr().slice(-3000)}`).toBeNull();
    expect(server.stderr()).not.toMatch(/TypeError/);

    // A call while descriptors are still exhausted: a clear answer, not a hang or a crash.
    const during = parseMessages(await postOn(spare, url, callTool('echo_n', { n: 2 }), session).then((raw) => raw.slice(raw.indexOf('\r\n\r\n') + 4)));
    expect(during[0]?.result?.structuredContent).toMatchObject({ status: 'FAILURE', error: { kind: 'internal', message: expect.stringMatching(/could not be started.*Retry/) as unknown } });

    // Resources return: the retry starts a process and calls succeed again.
    for (const s of sockets.splice(0)) s.destroy();
    const started = Date.now();
    let last = '';
    for (;;) {
      const reply = await post(url, callTool('echo_n', { n: 3 }), session);
      last = reply.body;
      const content = reply.messages[0]?.result?.structuredContent as { status?: string; error?: { message?: string } } | undefined;
      if (content?.status === 'SUCCESS') break;
      expect(content?.error?.message, last).toMatch(/could not be started/);
      if (Date.now() - started > 60_000) throw new Error(`no recovery within 60 s: ${last}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(server.stderr()).toMatch(/sandbox process started again/);
    // Recorded once every check above has passed.
    recordFigure({ attack: 'idle-connections-exhaust-descriptors', class: 'process-fault', contained: true, kind: 'internal (could not be started), recovered', elapsedMs: null, limitMs: null, sandboxPeakRssMb: null, worstStallMs: null });
  }, 120_000);
});
