/**
 * Attack: provoke an error from every kind of code path that throws on the guest's behalf —
 * JSON.parse, property access on null, a bad array length, URI decoding, an undeclared name,
 * stack overflow, BigInt conversion, a frozen built-in, eval of bad source —
 * and climb from each error to Function and the global. An error made by the host (as
 * isolated-vm does when a host callback throws) would lead to the host's realm.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult, expectNoHostLeak } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => {
  const provoke: Record<string, () => unknown> = {
    jsonParse: () => JSON.parse('{"a":'),
    jsonParseReviver: () => JSON.parse('[1]', () => { throw new SyntaxError('from reviver'); }),
    nullAccess: () => (null as any).x,
    arrayLength: () => new Array(-1),
    uri: () => decodeURIComponent('%'),
    undeclared: () => (0, eval)('noSuchName'),
    overflow: () => { const f = (): number => f() + 1; return f(); },
    bigint: () => BigInt(1.5),
    frozen: () => { 'use strict'; (Object.prototype as any).x = 1; },
    evalSyntax: () => (0, eval)('{'),
    regexp: () => new RegExp('('),
  };
  const report: Record<string, any> = {};
  for (const [name, fn] of Object.entries(provoke)) {
    try { fn(); report[name] = 'NO ERROR'; continue; } catch (e: any) {
      const C = e.constructor;
      const F = C.constructor;
      const g = F('return this')();
      report[name] = {
        own: [Error, SyntaxError, TypeError, RangeError, URIError, ReferenceError].includes(C) && e instanceof Error && F === Function,
        global: g === globalThis && Object.isFrozen(g) && typeof g.process === 'undefined',
        stack: String(e.stack),
      };
    }
  }
  return report;
};
`;

it("errors thrown by built-ins on the guest's behalf are the isolate's own", async () => {
  const report = await attackResult<Record<string, { own: boolean; global: boolean; stack: string } | string>>(server, 'ctor_chain_builtin_errors', code);
  const names = ['jsonParse', 'jsonParseReviver', 'nullAccess', 'arrayLength', 'uri', 'undeclared', 'overflow', 'bigint', 'frozen', 'evalSyntax', 'regexp'];
  expect(Object.keys(report).sort()).toEqual([...names].sort());
  for (const name of names) {
    const seen = report[name];
    expect(typeof seen, `${name}: ${JSON.stringify(seen)}`).toBe('object');
    if (seen === undefined || typeof seen === 'string') continue;
    expect(seen.own, name).toBe(true);
    expect(seen.global, name).toBe(true);
    expectNoHostLeak(server, seen.stack, `stack of ${name}`);
  }
  await expectContained(server, { tool: 'ctor_chain_builtin_errors' });
});
