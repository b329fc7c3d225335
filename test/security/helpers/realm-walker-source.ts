/**
 * The realm walker: guest code that looks for shared objects a tool can still write (issue 11).
 *
 * Why it exists: lockdown (sandbox/lockdown.ts) freezes what its own walk reaches, and a check
 * that walks the same way misses the same things (hidden-intrinsics-sweep.test.ts did: the
 * functions behind the override accessors stayed writable). This walk shares no code or logic
 * with lockdown. It starts from globalThis AND from every kind of value syntax and built-ins
 * hand a tool, and from each object it follows the prototype, every own property (string or
 * symbol, enumerable or not), the getter and setter functions, and what CALLING each getter on
 * its holder returns (that is how a getter's hidden closure value is found).
 *
 * The text is one function expression, `(function walkRealm(extraRoots) {...})`, returning a
 * JSON-ready report. Kept as plain JavaScript in a string: the same text runs as a tool through
 * the real server and as a script in an isolate the test builds itself (with a weakened
 * lockdown, to prove the walk can fail). Its one template literal and its regexp are escaped
 * for the TypeScript template that holds it.
 *
 * A fresh value is one made for this call only (the `[]` the walker wrote, the promise it
 * made, the ctx the prelude builds per call, a value a property makes anew on each read): it is
 * not shared state, so it need not be frozen, but everything it leads to is walked and checked.
 * The caller adds roots as `extraRoots`: [label, value, isFresh, [other fresh values]].
 *
 * Bounded (WALKER_MAX_NODES objects; `truncated` says if it stopped early): on Node 20 it visits
 * ~1,200 objects in 15-90 ms, far under a tool's CPU limit.
 */
export const WALKER_MAX_NODES = 100_000;

export const REALM_WALKER_SOURCE = `(function walkRealm(extraRoots) {
  // Runs strict inside a tool (tools compile to strict code) and sloppy in a bare script: the
  // sloppy roots below are made with Function, whose code is sloppy wherever it is called.
  // Captured first: the walk must not depend on anything a tool could have patched later.
  var O = Object, R = Reflect;
  var isFrozen = O.isFrozen, getProto = R.getPrototypeOf, ownKeys = R.ownKeys;
  var getDesc = R.getOwnPropertyDescriptor, apply = R.apply;
  var SetC = Set, started = Date.now();
  var MAX_NODES = ${WALKER_MAX_NODES};
  var G = globalThis;
  var I = G.Intl || {};

  var roots = [];
  var fresh = new SetC();
  var notMade = [];
  // Shared: the walk's whole point is that these (and all they lead to) are frozen.
  function shared(label, value) { roots.push([label, value]); }
  // Made by this call: the listed values are exempt, what they lead to is checked.
  function made(label, make) {
    var values;
    try { values = make(); } catch (e) { notMade.push(label + ': ' + String(e && e.message)); return; }
    for (var i = 0; i < values.length; i++) {
      var v = values[i];
      if (v !== null && (typeof v === 'object' || typeof v === 'function')) fresh.add(v);
    }
    for (var j = 0; j < values.length; j++) roots.push([j === 0 ? label : label + '#' + j, values[j]]);
  }
  function caught(f) { try { f(); } catch (e) { return e; } throw new Error('did not throw'); }
  function fnWithProto(f) { return [f, f.prototype]; }

  shared('globalThis', G);
  made('[]', function () { return [[]]; });
  made('{}', function () { return [{}]; });
  made('Object.create(null)', function () { return [O.create(null)]; });
  // Functions of every kind, with the fresh .prototype objects some of them own.
  made('function(){}', function () { return fnWithProto(function () {}); });
  made('() => {}', function () { return [() => 0]; });
  made('method', function () { return [{ m() {} }.m]; });
  made('getter', function () { var d = getDesc({ get g() { return 1; }, set g(v) {} }, 'g'); return [d.get, d.set]; });
  made('async function', function () { return [async function () {}]; });
  made('function*', function () { return fnWithProto(function* () {}); });
  made('async function*', function () { return fnWithProto(async function* () {}); });
  made('class', function () {
    class A { m() {} static s() {} get g() { return 1; } }
    var d = getDesc(A.prototype, 'g');
    return [A, A.prototype, A.prototype.m, A.s, d.get];
  });
  made('class extends Array', function () { class B extends Array {} return [B, B.prototype]; });
  made('new class', function () { class C {} return [new C(), C, C.prototype]; });
  made('bound function', function () { var f = function () {}; return [f.bind(null), f, f.prototype]; });
  // Template objects are cached per call site: the same object every call, so SHARED.
  shared('template object', (function (s) { return s; })\`x\${1}y\`);
  made('regexp literal', function () { return [/a(?<n>b)/dgimsuy]; });
  made('regexp match', function () { var m = /(?<n>b)/d.exec('ab'); return [m, m.groups, m.indices, m.indices.groups, m.indices[0], m.indices[1]]; });
  made('Promise.resolve()', function () { return [Promise.resolve(1)]; });
  made('new Promise', function () {
    var fs = [];
    var p = new Promise(function (res, rej) { fs.push(res, rej); });
    return [p].concat(fs);
  });
  made('async call', function () { return [(async function () {})()]; });
  made('promise combinators', function () { return [Promise.all([]), Promise.allSettled([]), Promise.race([]), Promise.any([1])]; });
  // Every kind of iterator.
  made('array iterator', function () { return [[][Symbol.iterator]()]; });
  made('map iterator', function () { return [new Map().entries()]; });
  made('set iterator', function () { return [new Set().values()]; });
  made('string iterator', function () { return [''[Symbol.iterator]()]; });
  made('regexp string iterator', function () { return ['aa'.matchAll(/a/g)]; });
  made('generator object', function () { var g = function* () { yield 1; }; var it = g(); return [it, g, g.prototype, it.next()]; });
  made('async generator object', function () { var g = async function* () {}; var it = g(); return [it, g, g.prototype, it.next()]; });
  made('Iterator helpers', function () {
    var It = G.Iterator;
    if (typeof It !== 'function') return [undefined];
    var src = { next: function () { return { done: true }; } };
    return [[].values().map(function (x) { return x; }), It.from(src), src, src.next];
  });
  // arguments, sloppy and strict (strict ones hold %ThrowTypeError% as callee accessor).
  made('sloppy arguments', function () { var f = Function('return arguments'); return [f(1), f, f.prototype]; });
  made('strict arguments', function () { var f = function () { 'use strict'; return arguments; }; return [f(1), f, f.prototype]; });
  // Errors the engine throws, not ones we construct.
  made('TypeError (call undefined)', function () { return [caught(function () { var u; u(); })]; });
  made('RangeError', function () { return [caught(function () { return new Array(-1); })]; });
  made('SyntaxError (JSON.parse)', function () { return [caught(function () { JSON.parse('{'); })]; });
  made('SyntaxError (eval)', function () { return [caught(function () { (0, eval)('('); })]; });
  made('ReferenceError', function () { return [caught(function () { return notDefinedAnywhere; })]; });
  made('AggregateError', function () { var e = new AggregateError([1]); return [e, e.errors]; });
  made('Error.captureStackTrace', function () { var o = {}; if (Error.captureStackTrace) Error.captureStackTrace(o); return [o]; });
  // Intl: formatters and the objects their methods return.
  made('Intl.Segmenter segments', function () {
    var segs = new I.Segmenter('en', { granularity: 'word' }).segment('a b');
    var it = segs[Symbol.iterator]();
    var step = it.next();
    return [segs, it, step, step.value, segs.containing(0)];
  });
  made('Intl.Segmenter', function () { var s = new I.Segmenter('en'); return [s, s.resolvedOptions()]; });
  made('Intl.DateTimeFormat', function () {
    var f = new I.DateTimeFormat('en');
    var parts = f.formatToParts(0), range = f.formatRangeToParts(0, 1);
    return [f, f.format, f.resolvedOptions(), parts, range].concat(parts, range);
  });
  made('Intl.NumberFormat', function () {
    var f = new I.NumberFormat('en');
    var parts = f.formatToParts(1.5);
    return [f, f.format, f.resolvedOptions(), parts].concat(parts);
  });
  made('Intl.Collator', function () { var c = new I.Collator('en'); return [c, c.compare, c.resolvedOptions()]; });
  made('Intl.PluralRules', function () { var p = new I.PluralRules('en'); var o = p.resolvedOptions(); return [p, o, o.pluralCategories]; });
  made('Intl.RelativeTimeFormat', function () {
    var f = new I.RelativeTimeFormat('en');
    var parts = f.formatToParts(1, 'day');
    return [f, f.resolvedOptions(), parts].concat(parts);
  });
  made('Intl.ListFormat', function () {
    var f = new I.ListFormat('en');
    var parts = f.formatToParts(['a', 'b']);
    return [f, f.resolvedOptions(), parts].concat(parts);
  });
  made('Intl.DisplayNames', function () { var d = new I.DisplayNames('en', { type: 'region' }); return [d, d.resolvedOptions()]; });
  made('Intl.Locale', function () {
    var l = new I.Locale('en-US');
    var out = [l, l.maximize(), l.minimize()];
    // Locale's getters (calendars, textInfo, weekInfo...) each return a fresh object.
    var proto = getProto(l), keys = ownKeys(proto);
    for (var i = 0; i < keys.length; i++) {
      var d = getDesc(proto, keys[i]);
      if (d && d.get) { try { var got = apply(d.get, l, []); out.push(got); if (isObj(got)) out = out.concat(O.values(got)); } catch (e) {} }
    }
    return out;
  });
  made('Intl.v8BreakIterator', function () { var B = I.v8BreakIterator; return B ? [new B('en')] : [undefined]; });
  made('Intl.supportedValuesOf', function () { return [I.supportedValuesOf('calendar'), I.getCanonicalLocales('en')]; });
  // Typed arrays of every kind, buffers and views.
  made('typed arrays', function () {
    var out = [[]], kinds = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];
    for (var i = 0; i < kinds.length; i++) { var T = G[kinds[i]]; if (T) { var t = new T(1); out.push(t, t.buffer); } }
    out[0] = out.slice(1);
    return out;
  });
  made('DataView', function () { var b = new ArrayBuffer(1); return [new DataView(b), b]; });
  made('Proxy.revocable', function () {
    var target = {}, handler = {}, r = Proxy.revocable(target, handler);
    return [r, r.proxy, r.revoke, target, handler];
  });
  made('wrappers', function () { var w = [Object(Symbol('s')), Object(1n), Object('s'), Object(1), Object(true)]; return [w].concat(w); });
  made('collections', function () { var c = [new Map(), new Set(), new WeakMap(), new WeakSet(), new Date(0)]; return [c].concat(c); });
  // The Web APIs the prelude defines (sandbox/web/): instances, and what their methods return.
  made('Web API objects', function () {
    if (typeof G.URL !== 'function') return [undefined];
    var u = new G.URL('https://a.example/p?q=1#h'), sp = u.searchParams, h = new G.Headers([['a', '1']]);
    var ac = new G.AbortController(), te = new G.TextEncoder(), td = new G.TextDecoder('utf-8', { fatal: true });
    var req = new G.Request('https://a.example/', { method: 'POST', body: 'x', signal: ac.signal });
    var res = new G.Response('{}', { headers: { 'x-a': '1' } });
    var clone = G.structuredClone({ a: [new Map(), new Date(0)] });
    var out = [u, sp, sp.entries(), sp.keys(), h, h.entries(), ac, ac.signal, G.AbortSignal.abort(), G.AbortSignal.any([ac.signal]),
      new G.Event('x'), new G.EventTarget(), te, td, te.encode('a'), te.encodeInto('a', new Uint8Array(1)), td.decode(new Uint8Array(1)),
      req, req.headers, req.signal, req.clone(), res, res.headers, res.clone(), G.Response.error(), G.Response.json({ a: 1 }),
      G.Response.redirect('https://a.example/'), new G.DOMException('m', 'AbortError'), clone, clone.a, clone.a[0], clone.a[1],
      G.crypto.getRandomValues(new Uint8Array(1)), G.crypto.randomUUID(), res.text(), G.crypto.subtle.digest('SHA-256', new Uint8Array(0)),
      G.performance.now(), G.atob(G.btoa('a'))];
    ac.abort();
    out.push(ac.signal.reason);
    return out;
  });
  // What the caller adds: the tool's ctx, require, module, exports... (see the test).
  for (var e = 0; e < (extraRoots || []).length; e++) {
    var x = extraRoots[e];
    if (x[2]) made(x[0], function () { return [x[1]].concat(x[3] || []); });
    else shared(x[0], x[1]);
  }

  // Breadth first from one root at a time, globalThis first, and property edges before
  // prototype edges: each object is named by its shortest path made of properties where one
  // exists (globalThis.Function.prototype, not globalThis.Object<proto>). An object is marked
  // seen when it is taken, so a later, better-named route still wins while it waits.
  function isObj(v) { return v !== null && (typeof v === 'object' || typeof v === 'function'); }
  function keyPath(k) {
    if (typeof k === 'symbol') return '[' + (k.description && k.description.indexOf('Symbol.') === 0 ? k.description : String(k)) + ']';
    return /^[A-Za-z_$][\\w$]*$/.test(k) ? '.' + k : '[' + JSON.stringify(k) + ']';
  }
  var seen = new SetC(), byProperty = [], byProto = [], truncated = false;
  var unfrozen = [], inspectErrors = [], getterErrors = [], gettersCalled = 0, functions = 0;
  function enqueue(v, path, queue) {
    if (!isObj(v) || seen.has(v)) return;
    if (byProperty.length + byProto.length >= 4 * MAX_NODES) { truncated = true; return; }
    queue.push([v, path]);
  }
  function visit(v, path) {
    if (typeof v === 'function') functions++;
    try {
      if (!fresh.has(v) && !isFrozen(v)) unfrozen.push(path);
      var keys = ownKeys(v);
    } catch (err) { inspectErrors.push(path + ': ' + String(err && err.message)); return; }
    for (var k = 0; k < keys.length; k++) {
      var p = path + keyPath(keys[k]), d;
      try { d = getDesc(v, keys[k]); } catch (err) { inspectErrors.push(p + ': ' + String(err && err.message)); continue; }
      if (!d) continue;
      if ('value' in d) {
        // A value made anew on every read (V8 gives a running sloppy function's .arguments
        // that way) is fresh: nothing written on it is there for the next reader.
        if (isObj(d.value) && !seen.has(d.value)) {
          var again; try { again = getDesc(v, keys[k]); } catch (err) { again = undefined; }
          if (again && again.value !== d.value) fresh.add(d.value);
        }
        enqueue(d.value, p, byProperty);
        continue;
      }
      enqueue(d.get, p + '<get>', byProperty);
      enqueue(d.set, p + '<set>', byProperty);
      if (typeof d.get === 'function') {
        gettersCalled++;
        try { enqueue(apply(d.get, v, []), p + '<get>()', byProperty); } catch (err) { getterErrors.push(p + '<get>(): ' + (err && err.name)); }
      }
    }
    try { enqueue(getProto(v), path + '<proto>', byProto); } catch (err) { inspectErrors.push(path + '<proto>: ' + String(err && err.message)); }
  }
  for (var r = 0; r < roots.length && !truncated; r++) {
    enqueue(roots[r][1], roots[r][0], byProperty);
    var ip = 0, iq = 0;
    while (ip < byProperty.length || iq < byProto.length) {
      var item = ip < byProperty.length ? byProperty[ip++] : byProto[iq++];
      if (seen.has(item[0])) continue;
      if (seen.size >= MAX_NODES) { truncated = true; break; }
      seen.add(item[0]);
      visit(item[0], item[1]);
    }
    byProperty = [];
    byProto = [];
  }
  return {
    unfrozen: unfrozen.slice(0, 300),
    unfrozenCount: unfrozen.length,
    visited: seen.size,
    functions: functions,
    roots: roots.length,
    gettersCalled: gettersCalled,
    gettersThrew: getterErrors.length,
    getterErrors: getterErrors.slice(0, 100),
    truncated: truncated,
    notMade: notMade,
    inspectErrors: inspectErrors.slice(0, 50),
    iteratorHelpers: typeof G.Iterator === 'function',
    ms: Date.now() - started
  };
})`;
