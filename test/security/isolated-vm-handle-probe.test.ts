/**
 * Attack: hunt for isolated-vm handles anywhere in the realm, not just on the global object:
 * walk every object reachable from the global, from ctx and from the module's parameters
 * (own names, symbols, accessors, prototypes) and flag anything that looks like a Reference,
 * ExternalCopy, Callback, Isolate or Context (their methods: applySync, copySync, derefInto,
 * getSync, setSync, release...), any unfrozen shared object, and any string that looks like a
 * canary or a host path.
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
declare const require: any, module: any, exports: any;
const IVM_METHODS = ['apply', 'applySync', 'applyIgnored', 'applySyncPromise', 'copy', 'copySync', 'copyInto', 'deref', 'derefInto', 'getSync', 'setSync', 'setIgnored', 'deleteSync', 'release', 'transferIn', 'evalClosure', 'evalClosureSync', 'compileScript', 'createContext', 'typeof'];
export default (args: any, ctx: any) => {
  const seen = new Set<any>();
  const roots: Array<[string, any]> = [['globalThis', globalThis], ['ctx', ctx], ['require', require], ['module', module], ['exports', exports], ['args', args]];
  const suspicious: string[] = [];
  const unfrozenShared: string[] = [];
  let visited = 0;
  for (const [rootName, root] of roots) {
    const queue: Array<[string, any]> = [[rootName, root]];
    while (queue.length) {
      const [path, v] = queue.pop()!;
      if (typeof v === 'string') {
        if (/CANARY_|\\/work\\/|node_modules|isolated-vm|file:\\/\\//.test(v)) suspicious.push(path + ' = ' + v.slice(0, 80));
        continue;
      }
      if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) continue;
      seen.add(v);
      visited++;
      // Per-call objects (ctx.log, module, exports, args) may be open; everything shared must not be.
      const perCall = v === module || v === exports || v === args || v === ctx.log || path.startsWith('args') || path.startsWith('module') || path.startsWith('exports');
      if (!perCall && !Object.isFrozen(v)) unfrozenShared.push(path);
      const keys = Reflect.ownKeys(v);
      const methodHits = keys.filter((k) => typeof k === 'string' && IVM_METHODS.includes(k) && !(k === 'apply' && v === Function.prototype) && !(k === 'apply' && v === Reflect));
      if (methodHits.length) suspicious.push(path + ' has ' + methodHits.join(','));
      const tag = Object.prototype.toString.call(v);
      if (/Reference|ExternalCopy|Callback|Isolate|Context/.test(tag)) suspicious.push(path + ' is ' + tag);
      queue.push([path + '.__proto__', Object.getPrototypeOf(v)]);
      for (const k of keys) {
        const d: any = Object.getOwnPropertyDescriptor(v, k);
        const name = path + '.' + String(k);
        if ('value' in d) queue.push([name, d.value]); else { queue.push([name + '<get>', d.get]); queue.push([name + '<set>', d.set]); }
      }
    }
  }
  return { visited, suspicious, unfrozenShared };
};
`;

it('nothing in the realm is an isolated-vm handle, a host string or an unfrozen shared object', async () => {
  const report = await attackResult<{ visited: number; suspicious: string[]; unfrozenShared: string[] }>(server, 'ivm_handle_probe', code, { probe: true });
  // ~750 objects since lockdown works from an allow-list (non-standard intrinsics are gone).
  expect(report.visited).toBeGreaterThan(700);
  expect(report.suspicious).toEqual([]);
  expect(report.unfrozenShared).toEqual([]);
  await expectContained(server, { tool: 'ivm_handle_probe' });
});
