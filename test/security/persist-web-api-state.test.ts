/**
 * Persistence through the Web APIs: a call tries to leave its secret where the next call's Web
 * API use would find it or hand it over: properties on URL, URLSearchParams, Headers, crypto,
 * crypto.subtle, performance, TextDecoder, AbortSignal, Event and DOMException and their
 * prototypes; a patched crypto.getRandomValues (to make the next call's "random" bytes known),
 * a patched URL.prototype.toString, Headers.prototype.get, TextDecoder.prototype.decode,
 * structuredClone; a listener on a shared EventTarget (there is none: every target is made per
 * call); and a streaming TextDecoder left half-way (made per call too). The next call checks
 * every place and that its Web API results are its own.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk, expectNoCarryOver } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const TOOL = `
export default async (args: { token: string }) => {
  const places: Array<[string, any]> = [['URL', URL], ['URL.prototype', URL.prototype], ['URLSearchParams.prototype', URLSearchParams.prototype],
    ['Headers.prototype', Headers.prototype], ['crypto', crypto], ['crypto.subtle', crypto.subtle], ['performance', performance],
    ['TextDecoder.prototype', TextDecoder.prototype], ['AbortSignal', AbortSignal], ['Event.prototype', Event.prototype],
    ['DOMException', DOMException], ['structuredClone', structuredClone], ['Request.prototype', Request.prototype], ['Response', Response]];
  const seen: string[] = [];
  for (const [name, place] of places) {
    for (const key of Reflect.ownKeys(place)) {
      const d = Object.getOwnPropertyDescriptor(place, key)!;
      if ('value' in d && typeof d.value === 'string' && d.value.includes('SECRET')) seen.push(name + '.' + String(key));
    }
    if (place.stash !== undefined) seen.push(name + '.stash');
  }
  // The next call's own results must be its own.
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  if (bytes.every((b) => b === 7)) seen.push('getRandomValues is patched');
  if (new URL('https://a.example/').toString() !== 'https://a.example/') seen.push('URL.toString is patched');
  if (new Headers({ a: '1' }).get('a') !== '1') seen.push('Headers.get is patched');
  if (new TextDecoder().decode(new Uint8Array([0x61])) !== 'a') seen.push('TextDecoder.decode is patched');
  if (JSON.stringify(structuredClone({ t: args.token })) !== JSON.stringify({ t: args.token })) seen.push('structuredClone is patched');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(args.token)));
  if (digest.length !== 32) seen.push('digest is patched');

  const planted: Record<string, string> = {};
  const attempt = (name: string, fn: () => void) => { try { fn(); planted[name] = 'no error'; } catch (e) { planted[name] = (e as Error).name; } };
  for (const [name, place] of places) attempt(name, () => { place.stash = args.token; });
  attempt('getRandomValues', () => { (crypto as any).getRandomValues = (a: Uint8Array) => a.fill(7); });
  attempt('URL.toString', () => { URL.prototype.toString = () => args.token; });
  attempt('Headers.get', () => { Object.defineProperty(Headers.prototype, 'get', { value: () => args.token }); });
  attempt('TextDecoder.decode', () => { TextDecoder.prototype.decode = () => args.token; });
  attempt('structuredClone', () => { (globalThis as any).structuredClone = () => args.token; });
  attempt('timeOrigin', () => { Object.defineProperty(performance, 'timeOrigin', { value: 0 }); });
  const decoder = new TextDecoder();
  decoder.decode(new Uint8Array([0xe2, 0x82]), { stream: true }); // left half-way: this call's object only
  return { token: args.token, seen, planted };
};`;

it('no Web API carries a secret, or a patch, from one call to the next', async () => {
  await createOk(server, 'web_persist', TOOL);
  const calls = await expectNoCarryOver(server, 'web_persist');
  const planted = calls[0]!.result['planted'] as Record<string, string>;
  for (const [place, outcome] of Object.entries(planted)) expect(outcome, place).toBe('TypeError');
  await expectContained(server, { tool: 'web_persist' });
});
