/**
 * Attack: find a shared object lockdown did not freeze. Lockdown walks everything reachable
 * from the global object plus a list of intrinsics reachable only through syntax; anything
 * reachable only as the prototype of what a built-in *returns* is missed unless listed (this
 * sweep found %Segments% and %SegmentIterator% of Intl.Segmenter open). Call every built-in
 * that hands back a new kind of object and check every prototype on its chain, and every
 * function on those prototypes, is frozen.
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
export default async () => {
  const I: any = Intl;
  const makers: Record<string, () => any> = {
    segments: () => new I.Segmenter('en', { granularity: 'word' }).segment('a b'),
    segmentIterator: () => new I.Segmenter('en').segment('a b')[Symbol.iterator](),
    segmentData: () => new I.Segmenter('en').segment('a b').containing(0),
    // Non-standard, so not on the allow-list: lockdown removes it (sandbox/lockdown/permits.ts).
    breakIteratorRemoved: () => (I.v8BreakIterator === undefined ? {} : new I.v8BreakIterator('en')),
    dateTimeFormat: () => new Intl.DateTimeFormat('en'),
    dtfResolved: () => new Intl.DateTimeFormat('en').resolvedOptions(),
    dtfParts: () => new Intl.DateTimeFormat('en').formatToParts(0),
    numberFormat: () => new Intl.NumberFormat('en'),
    collator: () => new Intl.Collator('en'),
    pluralRules: () => new Intl.PluralRules('en'),
    relativeTime: () => new Intl.RelativeTimeFormat('en'),
    listFormat: () => new I.ListFormat('en'),
    displayNames: () => new I.DisplayNames('en', { type: 'region' }),
    locale: () => new I.Locale('en'),
    supportedValues: () => I.supportedValuesOf('calendar'),
    arrayIterator: () => [][Symbol.iterator](),
    mapIterator: () => new Map().entries(),
    setIterator: () => new Set().values(),
    stringIterator: () => ''[Symbol.iterator](),
    regexpStringIterator: () => 'aa'.matchAll(/a/g),
    regexpMatch: () => /a/.exec('a'),
    // A generator object's first prototype is its own function's fresh .prototype (not shared):
    // start from that one, so the chain checked is %GeneratorPrototype% and up.
    generator: () => Object.getPrototypeOf((function* () {})()),
    asyncGenerator: () => Object.getPrototypeOf((async function* () {})()),
    asyncFunction: () => async () => {},
    promise: () => Promise.resolve(),
    boundFunction: () => (() => 0).bind(null),
    proxyRevocable: () => Proxy.revocable({}, {}),
    argumentsSloppy: () => (function () { return arguments; })(),
    argumentsStrict: () => (function () { 'use strict'; return arguments; })(),
    templateObject: () => ((s: TemplateStringsArray) => s)\`x\`,
    typedArray: () => new Uint8Array(1),
    dataView: () => new DataView(new ArrayBuffer(1)),
    date: () => new Date(0),
    error: () => new AggregateError([]),
    weakMap: () => new WeakMap(),
    symbolObject: () => Object(Symbol('s')),
    bigintObject: () => Object(1n),
  };
  const open: string[] = [];
  let checked = 0;
  for (const [name, make] of Object.entries(makers)) {
    let v: any;
    try { v = make(); } catch (e: any) { open.push(name + ': could not make: ' + e.message); continue; }
    let depth = 0;
    for (let p = Object.getPrototypeOf(v); p; p = Object.getPrototypeOf(p), depth++) {
      checked++;
      if (!Object.isFrozen(p)) open.push(name + ' prototype at depth ' + depth);
      for (const k of Reflect.ownKeys(p)) {
        const d: any = Object.getOwnPropertyDescriptor(p, k);
        for (const f of [d.value, d.get, d.set]) if (typeof f === 'function' && !Object.isFrozen(f)) open.push(name + ' ' + String(k));
      }
    }
  }
  return { open, checked };
};
`;

it('every prototype a built-in can hand back is frozen', async () => {
  const report = await attackResult<{ open: string[]; checked: number }>(server, 'hidden_intrinsics', code);
  expect(report.open).toEqual([]);
  expect(report.checked).toBeGreaterThan(60);
  await expectContained(server, { tool: 'hidden_intrinsics' });
});
