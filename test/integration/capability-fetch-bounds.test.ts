import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { expectLocated, failureOf, resultOf, runFixture, type ToolFixture } from '../helpers/capability-tools.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { loopbackServer } from '../helpers/loopback-server.js';

// The host's bounds on one call's fetches (capabilities.fetch.max*), end to end: each refusal
// is located at the agent's `await fetch` and names the config key, and a server too slow for
// the call's deadline ends the call as a timeout with its connection closed.
const MAX_RESPONSE = 4_096;
const MAX_PER_CALL = 10_000;
const MAX_REQUESTS = 5;

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine({
    capabilities: { fetch: { allow: ['127.0.0.1:*'], maxResponseBytes: MAX_RESPONSE, maxBytesPerCall: MAX_PER_CALL, maxRequestsPerCall: MAX_REQUESTS } },
  });
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

/** A tool that fetches `url` `times` times (an argument each) and returns the body lengths. */
function repeater(name: string, manifest: string[], timeoutMs?: number): ToolFixture {
  return {
    name,
    capabilities: { fetch: manifest },
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    lines: [
      'export default async ({ url, times }: { url: string; times: number }) => {',
      '  const sizes: number[] = [];',
      '  for (let i = 0; i < times; i++) {',
      '    const res = await fetch(url);',
      '    sizes.push((await res.arrayBuffer()).byteLength);',
      '  }',
      '  return sizes;',
      '};',
    ],
  };
}

describe('a response over capabilities.fetch.maxResponseBytes', () => {
  it('is refused whether its length is declared or streamed, and one at the bound is not', async () => {
    const server = await loopbackServer((req, res) => {
      const [, how, size] = req.url!.split('/');
      const body = 'x'.repeat(Number(size));
      // res.end(body) declares Content-Length; write() then end() streams it chunked, undeclared.
      if (how === 'declared') res.end(body);
      else res.write(body, () => res.end());
    });
    const tool = repeater('oversize', [server.pattern]);
    expect(resultOf(await runFixture(scope, tool, { url: server.url(`/streamed/${MAX_RESPONSE}`), times: 1 }))).toEqual([MAX_RESPONSE]);
    for (const path of [`/declared/${MAX_RESPONSE + 1}`, `/streamed/${MAX_RESPONSE + 1}`, `/streamed/${MAX_RESPONSE * 10}`]) {
      const message = expectLocated(await scope.runTool(tool.name, { url: server.url(path), times: 1 }), tool, 'await fetch', 'CapabilityError');
      expect(message).toBe(
        `the response from ${server.url(path).replace(/\/$/, '')} is larger than ${MAX_RESPONSE} bytes (the host's capabilities.fetch.maxResponseBytes): ` +
          'ask for less (a page, a range, a filter), or the host must raise capabilities.fetch.maxResponseBytes in its config',
      );
    }
    expect(server.received.map((r) => r.url)).toHaveLength(4);
  });
});

describe('one call', () => {
  it('may receive capabilities.fetch.maxBytesPerCall in all: the request that would pass it is refused, naming that key', async () => {
    const server = await loopbackServer((_req, res) => res.end('y'.repeat(3_000)));
    const tool = repeater('bytes_per_call', [server.pattern]);
    // 3 x 3,000 bytes fit in 10,000; the fourth response would not.
    expect(resultOf(await runFixture(scope, tool, { url: server.url(), times: 3 }))).toEqual([3_000, 3_000, 3_000]);
    // The bound is per call: the next call starts from zero, and its fourth fetch is refused.
    const message = expectLocated(await scope.runTool(tool.name, { url: server.url(), times: 4 }), tool, 'await fetch', 'CapabilityError');
    expect(message).toBe(
      `the response from ${server.url()} is larger than the 1000 bytes this call may still receive: its fetches have received 9000 bytes of the ${MAX_PER_CALL} one call may ` +
        "(the host's capabilities.fetch.maxBytesPerCall): fetch less per call (a page, a range, a filter), or the host must raise capabilities.fetch.maxBytesPerCall in its config",
    );
  });

  it('may not pass capabilities.fetch.maxBytesPerCall with requests made in parallel either', async () => {
    const server = await loopbackServer((_req, res) => res.end('y'.repeat(3_000)));
    const tool: ToolFixture = {
      name: 'bytes_in_parallel',
      capabilities: { fetch: [server.pattern] },
      lines: [
        'export default async ({ url }: { url: string }) => {',
        '  const all = await Promise.allSettled([1, 2, 3, 4].map(() => fetch(url).then((r) => r.arrayBuffer())));',
        '  return all.map((s) => (s.status === "fulfilled" ? s.value.byteLength : (s.reason as Error).message));',
        '};',
      ],
    };
    // Each started when the call had received nothing; together they would bring 12,000 bytes.
    const out = await runFixture(scope, tool, { url: server.url() });
    const got = resultOf(out) as Array<number | string>;
    expect(got.filter((g) => g === 3_000)).toHaveLength(3);
    expect(got.find((g) => typeof g === 'string')).toMatch(/this call may still receive: its fetches have received 9000 bytes of the 10000 one call may \(the host's capabilities\.fetch\.maxBytesPerCall\)/);
    expect((await scope.getExecution(out.executionId)).effects?.map((e) => ('refused' in e ? e.refused : 'ok'))).toEqual(['ok', 'ok', 'ok', 'too large']);
  });

  it('may make capabilities.fetch.maxRequestsPerCall requests: the next is refused where it is made', async () => {
    const server = await loopbackServer((_req, res) => res.end('z'));
    const tool = repeater('requests_per_call', [server.pattern]);
    expect(resultOf(await runFixture(scope, tool, { url: server.url(), times: MAX_REQUESTS }))).toEqual(Array(MAX_REQUESTS).fill(1));
    const message = expectLocated(await scope.runTool(tool.name, { url: server.url(), times: MAX_REQUESTS + 1 }), tool, 'await fetch', 'CapabilityError');
    expect(message).toBe(
      `fetch: this call has made ${MAX_REQUESTS} requests, the most one call may make (capabilities.fetch.maxRequestsPerCall in the host's config). Fetch less per call, or page the work over several calls.`,
    );
    expect(server.received).toHaveLength(2 * MAX_REQUESTS);
  });
});

describe('a server too slow for the call', () => {
  // The call's own limit; the margins below are wide (a loaded machine), the control is the
  // same tool answered at once.
  const TIMEOUT_MS = 1_000;

  for (const [slowness, answer] of [
    ['never sends its headers', () => undefined],
    ['trickles its body a byte at a time', (res: import('node:http').ServerResponse) => {
      res.writeHead(200, { 'content-length': 1_000 });
      const timer = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(timer));
    }],
  ] as const) {
    it(`(${slowness}) ends the call at its deadline as a timeout, closes the connection, and the next call works`, async () => {
      const server = await loopbackServer((req, res) => {
        if (req.url === '/fast') res.end('quick');
        else answer(res);
      });
      const tool = repeater(`slow_${slowness.split(' ')[0]}_${slowness.split(' ')[1]}`, [server.pattern], TIMEOUT_MS);
      const out = await runFixture(scope, tool, { url: server.url('/slow'), times: 1 });
      expect(failureOf(out).kind).toBe('timeout');
      expect(out.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.9);
      expect(out.durationMs).toBeLessThan(TIMEOUT_MS + 8_000);
      // The server sees its connection end soon after the call does.
      const ended = performance.now();
      await expect.poll(() => server.openSockets(), { timeout: 5_000, interval: 20 }).toBe(0);
      expect(performance.now() - ended).toBeLessThan(5_000);
      expect(resultOf(await scope.runTool(tool.name, { url: server.url('/fast'), times: 1 }))).toEqual([5]);
    });
  }
});
