/**
 * Attack: reach the capabilities lockdown removes or the sandbox flags disable —
 * WebAssembly (memory outside the heap limit, a JIT surface), SharedArrayBuffer and Atomics
 * (a high-resolution clock, parking the isolate thread), resizable ArrayBuffers (a V8 CHECK
 * that aborts the process on Node 20), WeakRef and FinalizationRegistry (code run outside any
 * call) — directly and through routes that do not name them: constructors of objects that
 * would carry them, Reflect, eval, and the prototype chain.
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
export default () => {
  const names = ['WebAssembly', 'SharedArrayBuffer', 'Atomics', 'WeakRef', 'FinalizationRegistry'];
  const report: Record<string, unknown> = {};
  for (const n of names) {
    report[n] = [typeof (globalThis as any)[n], (0, eval)('typeof ' + n), Reflect.has(globalThis, n)];
  }
  // Resizable and growable buffers: the options bag is ignored, the methods are absent.
  const ab: any = new ArrayBuffer(8, { maxByteLength: 1 << 30 } as any);
  report.resizable = [ab.resizable === true, typeof ab.resize, typeof (ArrayBuffer.prototype as any).resize, ab.byteLength, 'maxByteLength' in ab];
  // A SharedArrayBuffer could otherwise be met as the buffer of a shared WebAssembly memory or
  // through a structured clone. There is no WebAssembly; structuredClone is the realm's own
  // (sandbox/web/structured-clone.ts), which copies buffers into plain, fixed-length ArrayBuffers.
  report.viaTyped = Object.getPrototypeOf(new Int32Array(1).buffer) === ArrayBuffer.prototype;
  const cloned: any = structuredClone({ b: new ArrayBuffer(8, { maxByteLength: 64 } as any), v: new Int32Array(2) });
  report.structuredClone = [Object.getPrototypeOf(cloned.b) === ArrayBuffer.prototype, cloned.b.resizable === true, Object.getPrototypeOf(cloned.v.buffer) === ArrayBuffer.prototype];
  // Atomics.wait on a non-shared buffer would throw; without Atomics there is nothing to call.
  let waited = 'not reachable';
  try { (Function('return Atomics')() as any).wait(new Int32Array(4), 0, 0, 1); waited = 'WAITED'; } catch (e: any) { waited = e.constructor.name; }
  report.wait = waited;
  return report;
};
`;

it('WebAssembly, SharedArrayBuffer, Atomics, WeakRef, FinalizationRegistry and resizable buffers are out of reach', async () => {
  const report = await attackResult(server, 'wasm_sab_atomics', code);
  for (const n of ['WebAssembly', 'SharedArrayBuffer', 'Atomics', 'WeakRef', 'FinalizationRegistry']) {
    expect(report[n], n).toEqual(['undefined', 'undefined', false]);
  }
  // The sandbox process runs with --no-harmony-rab-gsab: no resize, a fixed-length buffer.
  expect(report.resizable).toEqual([false, 'undefined', 'undefined', 8, false]);
  expect(report.viaTyped).toBe(true);
  expect(report.structuredClone).toEqual([true, false, true]);
  expect(report.wait).toBe('ReferenceError');
  await expectContained(server, { tool: 'wasm_sab_atomics' });
});
