/**
 * Information leak: failures whose stacks run through code that is not the agent's own —
 * code made by eval and Function, an error made by the prelude itself (a class default
 * export without run()), a rejection delivered through the prelude's await of a thenable,
 * an error thrown from a callback the prelude makes (toJSON while serialising the result) —
 * and check what the agent gets back: raw_stack may name the prelude and eval code, never a
 * host file; frames and text list only the agent's own tool.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attack, expectNoHostLeak, lastErrorWithoutLeaks } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const cases: Array<[string, string, string]> = [
  ['tb_eval', 'export default () => (0, eval)("(function evilEval() { return Function(\\"throw new TypeError(\'from Function\')\\")(); })()");', 'TypeError'],
  ['tb_class_without_run', 'export default class Tool { go() { return 1; } }', 'Error'],
  ['tb_thenable_rejects', 'export default () => ({ then(_res: any, rej: any) { rej(new RangeError("rejected through the prelude")); } });', 'RangeError'],
  ['tb_to_json_in_walk', 'export default () => ({ a: { toJSON() { throw Object.assign(new Error("inner"), { name: "Custom" }); } } });', 'InvalidResult'],
];

it('tracebacks through eval, prelude-made errors and thenables show no host path', async () => {
  for (const [name, code, errorName] of cases) {
    const out = await attack(server, name, code);
    expect(out.status, name).toBe('FAILURE');
    expect(out.error!.name, name).toBe(errorName);
    expectNoHostLeak(server, JSON.stringify(out), `${name} result`);
    const last = await lastErrorWithoutLeaks(server, name);
    if (last.error.raw_stack) expectNoHostLeak(server, last.error.raw_stack, `${name} raw_stack`);
  }
  // The prelude's own error is explained in the agent's terms, with no frames of ours.
  const classLast = await server.lastError('tb_class_without_run');
  expect((classLast.error as { message: string }).message).toMatch(/instances have no run\(args, ctx\) method/);
  expect((classLast.error as { frames: unknown[] }).frames).toEqual([]);
  await expectContained(server, { tool: 'tb_to_json_in_walk', kind: 'invalid_result' });
});
