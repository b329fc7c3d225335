/**
 * Attack: structuredClone of graphs built to exhaust it: a chain nested a million levels deep
 * (its recursion hits V8's stack limit: a RangeError the tool can catch, nothing more; Node's
 * structuredClone gives up on a chain ten thousand deep the same way), a 100,000-node graph full
 * of cycles and shared nodes (cloned, with every cycle kept), and a Map whose keys are its own
 * values. The clone runs in the tool's realm, on the call's stack and
 * under its CPU limit; the host copies nothing.
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
  let deep: any = {};
  for (let i = 0; i < 1_000_000; i++) deep = { next: deep };
  let deepResult: string;
  try { structuredClone(deep); deepResult = 'cloned'; } catch (e: any) { deepResult = e.name; }

  const nodes: any[] = [];
  for (let i = 0; i < 100_000; i++) nodes.push({ i, links: [] as any[] });
  // Wide, not deep: every node links to a hub, to itself and to one of the first hundred.
  for (let i = 0; i < nodes.length; i++) nodes[i].links.push(nodes[0], nodes[i % 100], nodes[i]);
  const copy = structuredClone(nodes);
  let cyclesKept = true;
  for (let i = 0; i < copy.length; i += 997) {
    if (copy[i].links[0] !== copy[0] || copy[i].links[1] !== copy[i % 100] || copy[i].links[2] !== copy[i] || copy[i] === nodes[i]) cyclesKept = false;
  }
  const m = new Map<any, any>(); m.set(m, m);
  const mc = structuredClone(m);
  return { deepResult, cyclesKept, size: copy.length, mapSelf: mc.get(mc) === mc };
};`;

it('a million-deep chain ends in a RangeError; a 100,000-node cyclic graph clones with its cycles', async () => {
  const report = await attackResult<Record<string, unknown>>(server, 'clone_deep', code, {}, { timeout_ms: 10_000, memory_mb: 256 });
  expect(report).toEqual({ deepResult: 'RangeError', cyclesKept: true, size: 100_000, mapSelf: true });
  await expectContained(server, { tool: 'clone_deep', memoryMb: 256 });
});
