/**
 * The Web API globals of a tool have the shape of Node's: kind, name and length of each, and
 * of the methods of crypto and performance. (Their behaviour is in the other files here.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../../helpers/engine.js';
import { createParity } from '../../helpers/web-parity.js';

let engine: TestEngine;
let parity: ReturnType<typeof createParity>;
beforeAll(async () => {
  engine = await startEngine();
  parity = createParity(engine.app.forPersona('web'));
});
afterAll(() => engine.close());

it('each global, and the methods of crypto and performance, has the kind, name and length Node gives it', async () => {
  const body = `
    const names = ['AbortController', 'AbortSignal', 'DOMException', 'Event', 'EventTarget', 'Headers', 'Request', 'Response', 'TextDecoder', 'TextEncoder', 'URL', 'URLSearchParams', 'atob', 'btoa', 'crypto', 'performance', 'structuredClone'];
    const shape = (v) => typeof v === 'function' ? [typeof v, v.name, v.length] : [typeof v];
    return {
      globals: names.map((n) => [n, ...shape(globalThis[n]), Object.getOwnPropertyDescriptor(globalThis, n)?.enumerable]),
      crypto: ['getRandomValues', 'randomUUID'].map((m) => [m, ...shape(crypto[m])]).concat([['digest', ...shape(crypto.subtle.digest)]]),
      performance: [shape(performance.now), typeof performance.timeOrigin, typeof performance.now()],
    };`;
  const { realm, node } = await parity.both(body);
  expect(realm).toEqual(node);
});
