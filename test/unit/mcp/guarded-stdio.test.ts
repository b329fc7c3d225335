import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GuardedStdioTransport } from '../../../src/mcp/stdio.js';
import { createRefusalLog, idFromTail, nestedDeeperThan } from '../../../src/mcp/wire-guard.js';

function setUp(maxBytes = 1_000) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const warnings: string[] = [];
  const transport = new GuardedStdioTransport(stdin, stdout, maxBytes, (m) => warnings.push(m));
  const received: unknown[] = [];
  transport.onmessage = (m) => received.push(m);
  let out = '';
  stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const replies = () =>
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: unknown; error?: { code: number; message: string } });
  return { stdin, transport, received, replies, warnings };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('nestedDeeperThan', () => {
  const deeper = (text: string, max: number) => nestedDeeperThan(Buffer.from(text), Buffer.byteLength(text), max);
  it('counts brackets outside strings only, escapes included', () => {
    expect(deeper('[[[1]]]', 3)).toBe(false);
    expect(deeper('[[[[1]]]]', 3)).toBe(true);
    expect(deeper(JSON.stringify({ a: '[[[[[[[[' }), 3)).toBe(false);
    expect(deeper(JSON.stringify({ a: '\\"[[[[[[', b: [[[]]] }), 3)).toBe(true);
    expect(deeper(JSON.stringify({ a: 'x\\', b: [[[1]]] }), 3)).toBe(true);
    expect(deeper(JSON.stringify({ a: 'é€😀[[[[', b: [[1]] }), 3)).toBe(false);
  });
});

describe('idFromTail', () => {
  it('reads the id only when it is the last key of the top-level object', () => {
    expect(idFromTail('..."jsonrpc":"2.0","id":42}')).toBe(42);
    expect(idFromTail('..."jsonrpc":"2.0","id":"req-7" } \r')).toBe('req-7');
    expect(idFromTail('..."params":{"id":7}}')).toBeNull();
    expect(idFromTail('..."id":7,"method":"x"}')).toBeNull();
  });
});

describe('createRefusalLog', () => {
  it('logs the first refusal, then at most one line a second with a count', () => {
    let now = 0;
    const lines: string[] = [];
    const log = createRefusalLog((m) => lines.push(m), () => now);
    log('a');
    log('b');
    log('c');
    now = 1_500;
    log('d');
    expect(lines).toEqual(['a', 'd (and 2 more refused since the last report)']);
  });
});

describe('GuardedStdioTransport', () => {
  it('reassembles lines across chunks and answers bad lines with one error each', async () => {
    const t = setUp();
    await t.transport.start();
    t.stdin.write('{"jsonrpc":"2.0","id":1,');
    t.stdin.write('"method":"ping"}\n\n  \r\nnot json\n{"jsonrpc":"2.0","id":2}\n[]\n');
    await tick();
    expect(t.received).toEqual([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
    expect(t.replies().map((r) => [r.id, r.error?.code])).toEqual([
      [null, -32700],
      [2, -32600],
      [null, -32600],
    ]);
    expect(t.warnings[0]).toMatch(/^refused a JSON-RPC message: Parse error/);
  });

  it('drops a line over the limit as it arrives, answers with its id, and goes on', async () => {
    const t = setUp(100);
    await t.transport.start();
    t.stdin.write(`{"method":"tools/call","params":{"pad":"${'x'.repeat(300)}`);
    t.stdin.write(`${'y'.repeat(300)}"},"jsonrpc":"2.0","id":9}\n{"jsonrpc":"2.0","id":3,"method":"ping"}\n`);
    await tick();
    expect(t.replies()).toEqual([{ jsonrpc: '2.0', id: 9, error: { code: -32600, message: expect.stringMatching(/^Request too large: the message is 6\d\d bytes; the limit is 100 bytes/) } }]);
    expect(t.received).toEqual([{ jsonrpc: '2.0', id: 3, method: 'ping' }]);
  });

  it('refuses a message nested too deep without parsing it', async () => {
    const t = setUp(1_000_000);
    await t.transport.start();
    t.stdin.write(`{"method":"x","params":{"a":${'['.repeat(5_000)}${']'.repeat(5_000)}},"jsonrpc":"2.0","id":"deep"}\n`);
    await tick();
    expect(t.replies()).toEqual([{ jsonrpc: '2.0', id: 'deep', error: { code: -32600, message: expect.stringMatching(/nested deeper than 1000 levels/) } }]);
    expect(t.received).toEqual([]);
  });
});
