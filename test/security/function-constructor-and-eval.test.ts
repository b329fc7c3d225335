/**
 * Attack: compile code from strings by every route — Function, new Function, direct eval,
 * indirect eval (including V8 %-natives syntax), the AsyncFunction/GeneratorFunction/AsyncGeneratorFunction constructors, the
 * Function constructor reached through Function.prototype — and from that code look for the
 * host: `this`, `globalThis`, `process`, `require`, `module`, a `constructor` chain out. Code
 * compiled this way runs in the isolate's realm, with its frozen global and nothing else.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const PROBE = `({ self: this === globalThis, frozen: Object.isFrozen(this), process: typeof process, require2: typeof this.require, buffer: typeof Buffer, ivm: typeof ivm, fnOwn: this.Function === Function })`;

const code = `
const probe = ${JSON.stringify(PROBE)};
export default async () => {
  const AsyncFunction: any = (async () => {}).constructor;
  const GeneratorFunction: any = (function* () {}).constructor;
  const AsyncGeneratorFunction: any = (async function* () {}).constructor;
  const report: Record<string, any> = {};
  report.Function = Function('return ' + probe)();
  report.newFunction = new Function('return ' + probe)();
  report.protoCtor = (Function.prototype as any).constructor('return ' + probe)();
  report.indirectEval = (0, eval)(probe);
  report.globalEval = globalThis.eval(probe);
  // Direct eval sees the module's scope: its require is the prelude's stub, nothing more.
  report.directEval = eval('(function () { return ' + probe + '; }).call(globalThis)');
  report.directEvalRequire = eval('typeof require === "function" && (() => { try { require("fs"); return "LOADED"; } catch (e) { return e.constructor === Error ? "stub" : "other"; } })()');
  report.async = await AsyncFunction('return ' + probe)();
  report.generator = GeneratorFunction('yield ' + probe)().next().value;
  report.asyncGenerator = (await AsyncGeneratorFunction('yield ' + probe)().next()).value;
  // Nested: eval inside Function inside eval.
  report.nested = (0, eval)('Function(' + JSON.stringify('return eval(' + JSON.stringify(probe) + ')') + ')()');
  // V8's %-natives (--allow-natives-syntax) would inspect and corrupt the heap: not syntax here.
  try { (0, eval)('%DebugPrint(globalThis)'); report.natives = 'RAN'; } catch (e: any) { report.natives = e.constructor.name; }
  return report;
};
`;

it("code compiled from strings runs in the isolate's realm and finds no host", async () => {
  const report = await attackResult(server, 'function_and_eval', code);
  const inRealm = { self: true, frozen: true, process: 'undefined', require2: 'undefined', buffer: 'undefined', ivm: 'undefined', fnOwn: true };
  for (const route of ['Function', 'newFunction', 'protoCtor', 'indirectEval', 'globalEval', 'directEval', 'async', 'generator', 'asyncGenerator', 'nested']) {
    expect(report[route], route).toEqual(inRealm);
  }
  expect(report.directEvalRequire).toBe('stub');
  expect(report.natives).toBe('SyntaxError');
  await expectContained(server, { tool: 'function_and_eval' });
});
