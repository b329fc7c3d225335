/**
 * Attack: control characters in the text a client sends, aimed at the operator's terminal
 * through the server's stderr log. Over HTTP the server logs a refused foreign Origin and Host
 * header; node decodes header bytes as latin1, so bytes 0x80-0x9F arrive as the C1 controls
 * (0x9B is CSI: `\x9b2J` clears a screen) and a UTF-8 bidi override (E2 80 AE) arrives with a
 * C1 control inside it. The server's stderr must hold no C0 control but \n and \t, no C1
 * control and no bidi control, and the server must keep serving.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordFigure } from './helpers/figures.js';
import { ACCEPT, startHttpSecurityServer, type HttpSecurityServer } from './helpers/raw-http-server.js';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

let web: HttpSecurityServer;
beforeAll(async () => {
  web = await startHttpSecurityServer();
});
afterAll(() => web?.close());

/** A latin1 string whose bytes are `text` in UTF-8: how node hands a UTF-8 header to the server. */
const utf8Bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

it('control characters in refused Origin and Host headers never reach the server stderr', async () => {
  const payloads = ['\u009b2J\u009b31mRED', '\u009d0;pwned\u009c', '\u0085\u0090\u009f', utf8Bytes('evil\u202egnp.exe\u2066\u200f\u061c')];
  const started = performance.now();
  for (const payload of payloads) {
    for (const header of ['origin', 'host']) {
      const res = await web.send({ headers: { 'content-type': 'application/json', accept: ACCEPT, [header]: `http://x${payload}.example` }, body: '{}' });
      expect(res.status, `${header}: ${JSON.stringify(payload)}`).toBe(403);
    }
  }
  const elapsedMs = performance.now() - started;
  await web.nextDiagnostics();
  const stderr = web.stderr();
  // The refusals were logged (so the check below looked at the attacker's text)...
  expect(stderr).toContain('refused a request from a foreign Origin');
  expect(stderr).toContain('refused a request with a foreign Host header');
  // ...with nothing a terminal would obey.
  const bad = [...stderr].filter((c) => UNSAFE.test(c)).map((c) => `U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
  expect(bad, stderr.slice(-2000)).toEqual([]);
  recordFigure({ attack: 'stderr-control-characters-in-headers', class: 'protocol', contained: true, kind: 'HTTP 403, stderr sanitised', elapsedMs, limitMs: null, sandboxPeakRssMb: null, worstStallMs: web.worstStallSince(0) });
  await web.expectHealthy();
});
