/**
 * Attack: malformed JSON-RPC on the server's stdin: text that is not JSON, truncated JSON,
 * JSON that is not a message (null, a string, an array, a batch, the wrong version, a request
 * without a method, an id that is an object), invalid UTF-8, a bare carriage return, and a
 * valid request delivered one byte at a time. Each bad line gets exactly one JSON-RPC error
 * (-32700 for text that is not JSON, -32600 for JSON that is not a message), with the request's
 * id when it has a readable one; the refusals are logged on stderr without their text; nothing
 * reaches the execution log; and requests between the bad lines are answered as usual.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { noiseBeside, stallBound } from './helpers/noise.js';
import { recordFigure } from './helpers/figures.js';
import { HEALTHY, nextDiagnostics, startRawServer, type RawServer } from './helpers/raw-stdio.js';

let server: RawServer;
beforeAll(async () => {
  server = await startRawServer();
});
afterAll(() => server.close());

const PARSE = -32700;
const INVALID = -32600;
/** Each bad line, and the error (code, id) it must get. */
const BAD: Array<[string, number, string | number | null]> = [
  ['this is not json', PARSE, null],
  ['{"jsonrpc":"2.0","id":11,"method":"tools/list"', PARSE, null],
  ['{"jsonrpc":"2.0","id":12,"method":"tools/list"}}', PARSE, null],
  ['null', INVALID, null],
  ['"just a string"', INVALID, null],
  ['[]', INVALID, null],
  ['[{"jsonrpc":"2.0","id":13,"method":"tools/list"}]', INVALID, null],
  ['{"jsonrpc":"1.0","id":14,"method":"tools/list"}', INVALID, 14],
  ['{"jsonrpc":"2.0","id":15}', INVALID, 15],
  ['{"jsonrpc":"2.0","id":{"x":1},"method":"tools/list"}', INVALID, null],
  ['{"jsonrpc":"2.0","id":16,"method":42}', INVALID, 16],
  ['{"jsonrpc":"2.0","id":"s-17","method":"tools/list","extra":true}', INVALID, 's-17'],
  ['\u0000\u0001\u0002', PARSE, null],
];

it('every malformed line gets one clear JSON-RPC error; good requests between them are served; nothing is logged as a call', async () => {
  const from = server.diagnostics().length;
  const before = server.messages().length;
  const started = performance.now();
  for (const [line] of BAD) {
    await server.write(`${line}\n`);
    const ok = await server.request('tools/list');
    expect(ok.result?.tools?.length).toBeGreaterThan(0);
  }
  // Invalid UTF-8, and a bare carriage return (ignored, like an empty line).
  await server.write(Buffer.from([0xff, 0xfe, 0x7b, 0x0a]));
  await server.write('\r\n\n');
  // A valid request, one byte at a time.
  const fragmented = `${JSON.stringify({ jsonrpc: '2.0', id: 'frag', method: 'tools/call', params: { name: HEALTHY, arguments: { n: 2 } } })}\n`;
  for (const byte of Buffer.from(fragmented)) await server.write(Buffer.from([byte]));
  const reassembled = await server.reply('frag');
  const elapsedMs = performance.now() - started;
  expect(reassembled.result?.structuredContent).toMatchObject({ status: 'SUCCESS', result: { doubled: 4 } });
  await nextDiagnostics(server);
  const worstStallMs = server.worstStallSince(from);

  const errors = server
    .messages()
    .slice(before)
    .filter((m) => m.error);
  recordFigure({ attack: 'stdio-malformed-json-rpc', class: 'protocol', contained: errors.length === BAD.length + 1, kind: `jsonrpc ${PARSE}/${INVALID}`, elapsedMs, limitMs: null, sandboxPeakRssMb: null, worstStallMs });
  // One error per bad line (plus one for the invalid UTF-8), in order, each with its code and id.
  expect(errors.map((e) => [e.error!.code, e.id])).toEqual([...BAD.map(([, code, id]) => [code, id]), [PARSE, null]]);
  for (const e of errors) expect(e.error!.message).toMatch(/^(Parse error|Invalid Request): /);
  const noiseMs = noiseBeside(server.diagnostics(), from, started);
  expect(worstStallMs, `server event-loop stall (ms); machine noise ${noiseMs.toFixed(0)} ms`).toBeLessThanOrEqual(stallBound(noiseMs));
  // Logged on stderr, rate-limited, never with the offending text.
  expect(server.stderr()).toMatch(/refused a JSON-RPC message: (Parse error|Invalid Request)/);
  expect(server.stderr()).not.toContain('this is not json');
  // No execution rows for any of it: the log holds the health checks only.
  const log = await server.callTool('list_executions', {});
  const rows = log.result?.structuredContent?.executions as Array<{ tool: string }>;
  expect(rows.every((r) => r.tool === HEALTHY)).toBe(true);
  await server.expectHealthy();
});
