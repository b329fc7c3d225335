/**
 * Attack: climb from the arguments the host passed in (objects, arrays, strings, numbers,
 * booleans, null) to Function and the global. Arguments cross as a JSON string parsed inside
 * the isolate, so every one of them must be the isolate's own.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default function (args: any) {
  const starts: Record<string, any> = { args, obj: args.obj, arr: args.arr, str: args.str, num: args.num, bool: args.bool, deep: args.obj.deep.deeper };
  // Called bare: \`this\` is undefined, which sloppy code sees as its own global object.
  const report: Record<string, any> = { thisIsOwn: this === undefined || this === globalThis, nullArg: args.nul === null };
  for (const [name, start] of Object.entries(starts)) {
    const proto = Object.getPrototypeOf(Object(start));
    const F = Object(start).constructor.constructor;
    const g = F('return this')();
    report[name] = [
      proto === Object.prototype || proto === Array.prototype || proto === String.prototype || proto === Number.prototype || proto === Boolean.prototype,
      F === Function, g === globalThis, Object.isFrozen(g), typeof g.process, typeof g.Buffer,
    ];
  }
  // A "__proto__" key in the JSON is at most an own property: no prototype swap, no pollution.
  report.protoKey = Object.getPrototypeOf(args.obj) === Object.prototype && ({} as any).polluted === undefined && args.obj.polluted === undefined;
  return report;
}
`;

it("every constructor chain from the arguments ends at the isolate's own Function and frozen global", async () => {
  const args = { obj: { deep: { deeper: { x: 1 } }, ['__proto__']: { polluted: true } }, arr: [1, [2]], str: 's', num: 1.5, bool: true, nul: null };
  const report = await attackResult(server, 'ctor_chain_args', code, JSON.parse(JSON.stringify(args)) as Record<string, unknown>);
  for (const start of ['args', 'obj', 'arr', 'str', 'num', 'bool', 'deep']) {
    expect(report[start], start).toEqual([true, true, true, true, 'undefined', 'undefined']);
  }
  expect(report.thisIsOwn).toBe(true);
  expect(report.nullArg).toBe(true);
  expect(report.protoKey).toBe(true);
  await expectContained(server, { tool: 'ctor_chain_args' });
});
