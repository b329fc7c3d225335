/**
 * Event, EventTarget, AbortController, AbortSignal and DOMException in a tool behave as
 * Node's: listener order, once, capture matching, handleEvent objects, stopImmediatePropagation,
 * preventDefault, the `signal` option, abort reasons, onabort, AbortSignal.abort/any. A
 * listener that throws is reported in the call's console (Node reports it to the process).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../../helpers/engine.js';
import { createParity } from '../../helpers/web-parity.js';

let engine: TestEngine;
let parity: ReturnType<typeof createParity>;
beforeAll(async () => {
  engine = await startEngine();
  parity = createParity(engine.app.forPersona('web'));
});
afterAll(() => engine.close());

describe('EventTarget and Event', () => {
  it('dispatches to listeners as Node does', async () => {
    const body = `
      const t = new EventTarget();
      const log = [];
      const a = (e) => log.push(['a', e.type, e.target === t]);
      t.addEventListener('x', a);
      t.addEventListener('x', a); // a duplicate: ignored
      t.addEventListener('x', a, { capture: true }); // another capture flag: a second listener
      t.addEventListener('x', { handleEvent(e) { log.push(['object', this !== t]); } });
      t.addEventListener('x', () => log.push(['once']), { once: true });
      t.addEventListener('x', function () { log.push(['this', this === t]); });
      const ok1 = t.dispatchEvent(new Event('x'));
      t.removeEventListener('x', a);
      const ok2 = t.dispatchEvent(new Event('x'));
      t.addEventListener('y', (e) => { e.stopImmediatePropagation(); log.push(['first']); });
      t.addEventListener('y', () => log.push(['never']));
      t.dispatchEvent(new Event('y'));
      t.addEventListener('z', (e) => e.preventDefault());
      const cancelable = new Event('z', { cancelable: true }), plain = new Event('z');
      const e = new Event('q', { bubbles: true, composed: true });
      return { log, ok1, ok2, canceled: [t.dispatchEvent(cancelable), cancelable.defaultPrevented, t.dispatchEvent(plain), plain.defaultPrevented],
        props: [e.type, e.bubbles, e.cancelable, e.composed, e.isTrusted, e.eventPhase, e.target, e.defaultPrevented, e.returnValue, typeof e.timeStamp, e.composedPath()],
        constants: [Event.NONE, Event.AT_TARGET, Event.BUBBLING_PHASE, Event.CAPTURING_PHASE],
        errors: [attempt(() => new Event()), attempt(() => t.dispatchEvent({ type: 'x' })), attempt(() => t.addEventListener('x', 5))].map((r) => r.threw),
        tags: [Object.prototype.toString.call(t), Object.prototype.toString.call(e)] };`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('follows the DOM where Node 20 does not: currentTarget and eventPhase hold for every listener, a passive listener cannot cancel', async () => {
    const realm = await parity.inRealm(`
      const t = new EventTarget(); const seen = [];
      const a = (e) => seen.push([e.currentTarget === t, e.eventPhase]);
      t.addEventListener('x', a); t.addEventListener('x', a, { capture: true }); t.addEventListener('x', (e) => seen.push([e.currentTarget === t, e.eventPhase]));
      const x = new Event('x'); t.dispatchEvent(x);
      const passive = new Event('p', { cancelable: true });
      t.addEventListener('p', (e) => e.preventDefault(), { passive: true });
      return { seen, after: [x.currentTarget, x.eventPhase], passive: [t.dispatchEvent(passive), passive.defaultPrevented] };`);
    expect(realm).toEqual({ seen: [[true, 2], [true, 2], [true, 2]], after: [null, 0], passive: [true, false] });
  });

  it('a listener that throws does not stop the others; the call prints it as an [error] line', async () => {
    const scope = engine.app.forPersona('web');
    const created = await scope.createTool({ name: 'listener_throws', description: 't', language: 'javascript', code: `
      module.exports = () => { const t = new EventTarget(); const ran = [];
        t.addEventListener('x', () => { throw new RangeError('listener broke'); });
        t.addEventListener('x', () => ran.push('second'));
        return [t.dispatchEvent(new Event('x')), ran]; };` });
    expect(created.ok).toBe(true);
    const out = await scope.runTool('listener_throws', {});
    expect(out).toMatchObject({ ok: true, result: [true, ['second']] });
    expect(out.ok && out.console).toMatch(/\[error\] Uncaught exception in an event listener: RangeError: listener broke/);
  });
});

describe('AbortController and AbortSignal', () => {
  it('abort as Node does: reasons, events, onabort, once, throwIfAborted, the signal option', async () => {
    const body = `
      const log = [];
      const c = new AbortController();
      const s = c.signal;
      s.onabort = (e) => log.push(['onabort', e.type, e.isTrusted, e.target === s]);
      s.addEventListener('abort', () => log.push(['listener', s.aborted]));
      const t = new EventTarget();
      t.addEventListener('ping', () => log.push(['ping']), { signal: s });
      t.dispatchEvent(new Event('ping'));
      const before = [s.aborted, s.reason, attempt(() => s.throwIfAborted())];
      c.abort();
      c.abort('second'); // no effect
      t.dispatchEvent(new Event('ping')); // removed by the abort
      t.addEventListener('ping', () => log.push(['late']), { signal: s }); // an aborted signal adds nothing
      t.dispatchEvent(new Event('ping'));
      const reason = s.reason;
      const custom = new AbortController(); custom.abort({ why: 'mine' });
      const any = AbortSignal.any([new AbortController().signal, custom.signal]);
      const c2 = new AbortController(); const dependent = AbortSignal.any([c2.signal]); c2.abort(new RangeError('r'));
      return { log, before, after: [s.aborted, reason instanceof DOMException, reason.name, reason.code, reason.message, attempt(() => s.throwIfAborted())],
        custom: [custom.signal.reason, any.aborted, any.reason], dependent: [dependent.aborted, dependent.reason.name],
        aborted: [AbortSignal.abort().aborted, AbortSignal.abort().reason.name, AbortSignal.abort(5).reason],
        errors: [attempt(() => new AbortSignal()), attempt(() => AbortSignal.any([{}])), attempt(() => t.addEventListener('x', () => {}, { signal: {} }))].map((r) => r.threw),
        shape: [s instanceof EventTarget, Object.prototype.toString.call(s), Object.prototype.toString.call(c), typeof AbortSignal.any] };`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('AbortSignal.timeout aborts with a TimeoutError after its delay, as Node\'s does', async () => {
    const body = `
      const s = AbortSignal.timeout(30);
      const before = [s.aborted, s.reason];
      const started = Date.now();
      const event = await new Promise((resolve) => s.addEventListener('abort', resolve));
      return [before, s.aborted, s.reason instanceof DOMException, s.reason.name, s.reason.code, event.type, Date.now() - started >= 25, AbortSignal.timeout(0) instanceof AbortSignal];`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('a pending AbortSignal.timeout does not hold the call, and a delay that is no number of milliseconds is refused', async () => {
    const started = Date.now();
    const realm = await parity.inRealm(`AbortSignal.timeout(60000); return [attempt(() => AbortSignal.timeout(-1)).threw, attempt(() => AbortSignal.timeout(NaN)).threw, attempt(() => AbortSignal.timeout(Infinity)).threw];`);
    expect(realm).toEqual(['TypeError', 'TypeError', 'TypeError']);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('DOMException has the names, codes and shape Node gives it', async () => {
    const body = `
      const names = ['AbortError', 'TimeoutError', 'DataCloneError', 'QuotaExceededError', 'NotSupportedError', 'SyntaxError', 'Whatever'];
      return { each: names.map((n) => { const e = new DOMException('m', n); return [e.name, e.message, e.code, e instanceof Error, String(e), e.stack.split('\\n')[0]]; }),
        defaults: [new DOMException().name, new DOMException().message, new DOMException().code],
        constants: [DOMException.ABORT_ERR, DOMException.DATA_CLONE_ERR, new DOMException().TIMEOUT_ERR], proto: Object.getPrototypeOf(DOMException.prototype) === Error.prototype };`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });
});
