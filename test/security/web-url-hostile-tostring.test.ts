/**
 * Attack: hand URL (and URLSearchParams, Headers, TextEncoder) objects whose conversion to a
 * string is hostile: a toString that throws, one that returns an object, a Symbol, a Proxy whose
 * every trap throws, and finally a toString that never returns. The conversion runs in the
 * tool's realm before anything reaches the host's parser: errors reach the tool as errors, and
 * the endless one is stopped by the CPU limit. The host's parser only ever sees strings.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => {
  const attempt = (f: () => unknown) => { try { return 'ok ' + String(f()); } catch (e: any) { return e.name + ': ' + String(e.message).slice(0, 60); } };
  const throwing = { toString() { throw new RangeError('hostile toString'); } };
  const objectBack = { toString() { return {}; }, valueOf() { return {}; } };
  const trap = () => { throw new EvalError('trap'); };
  const proxy = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap, getOwnPropertyDescriptor: trap });
  const counted = { calls: 0, toString() { this.calls++; return 'https://a.example/'; } };
  return {
    throwing: attempt(() => new URL(throwing as any)),
    throwingBase: attempt(() => new URL('x', throwing as any)),
    objectBack: attempt(() => new URL(objectBack as any)),
    symbol: attempt(() => new URL(Symbol('s') as any)),
    proxy: attempt(() => new URL(proxy)),
    setter: attempt(() => { const u = new URL('https://a.example/'); u.pathname = throwing as any; return u.href; }),
    params: attempt(() => new URLSearchParams(proxy)),
    headers: attempt(() => new Headers(proxy)),
    encoder: attempt(() => new TextEncoder().encode(throwing as any)),
    counted: [new URL(counted as any).href, counted.calls],
  };
};`;

it('hostile conversions to string fail in the tool, before the host parser sees anything', async () => {
  const report = await attackResult<Record<string, unknown>>(server, 'url_hostile', code);
  expect(report).toEqual({
    throwing: 'RangeError: hostile toString',
    throwingBase: 'RangeError: hostile toString',
    objectBack: expect.stringMatching(/^TypeError: /),
    symbol: expect.stringMatching(/^TypeError: /),
    proxy: 'EvalError: trap',
    setter: 'RangeError: hostile toString',
    params: 'EvalError: trap',
    headers: 'EvalError: trap',
    encoder: 'RangeError: hostile toString',
    // Converted once, as Web IDL converts an argument once.
    counted: ['https://a.example/', 1],
  });
  await expectContained(server, { tool: 'url_hostile' });
});

it('a toString that never returns is stopped by the CPU limit, logged as timeout', async () => {
  await createOk(server, 'url_endless', `export default () => new URL({ toString() { for (;;) {} } } as any);`, { timeout_ms: 300 });
  const m = await measureCall(server, 'url_endless');
  recordAndCheck(m, { attack: 'web-url-hostile-tostring', class: 'denial-of-service', expectKind: 'timeout', limit: { kind: 'cpu', ms: 300 } });
  await expectContained(server, { tool: 'url_endless', kind: 'timeout' });
});
