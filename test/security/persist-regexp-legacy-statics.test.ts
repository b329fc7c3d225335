/**
 * Persistence: V8 keeps the realm's last RegExp match in legacy statics (RegExp.$1-$9,
 * lastMatch/$&, input/$_, leftContext/$`, rightContext/$', lastParen/$+). A victim call that
 * matches a regex against its secret would leave the secret there, readable by the next call
 * without any write of its own. Lockdown deletes the statics; this checks that nothing else
 * (String.prototype.replace's `$` patterns, RegExp.prototype.compile, a fresh regex's state)
 * still carries the previous match.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk, runOk, secretToken } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const TOOL = `
const STATICS = ['$1', '$2', '$9', 'input', '$_', 'lastMatch', '$&', 'lastParen', '$+', 'leftContext', '$\`', 'rightContext', "$'"];
export default (args: { token: string; mode: 'victim' | 'read' }) => {
  if (args.mode === 'victim') {
    // Ordinary parsing of a header that holds the secret; leaves a "last match" behind in V8.
    const header = 'Authorization: Bearer ' + args.token + ' ; realm=x';
    const m = /Bearer (\\S+)/.exec(header);
    'x'.replace(/(x)/g, '$1');
    header.match(/realm=(\\w+)/);
    /(SECRET\\w*)/.test(header);
    return { token: m ? m[1] : null };
  }
  const found: Record<string, unknown> = {};
  for (const key of STATICS) {
    try { const v = (RegExp as any)[key]; if (v !== undefined && v !== '') found[key] = v; } catch (e) { found[key] = 'threw ' + (e as Error).name; }
  }
  // Replacement patterns and a fresh regex must speak only of their own match.
  found.replaceDollar = 'ab'.replace(/b/, "$\`|$'|$&");
  const re = /q/g;
  found.freshLastIndex = re.lastIndex;
  const keys = Object.getOwnPropertyNames(RegExp).filter((k) => !['length', 'name', 'prototype'].includes(k));
  return { found, keys };
};`;

it("RegExp legacy statics do not carry a victim's matched secret to the next call", async () => {
  await createOk(server, 'regexp_statics', TOOL);
  const secret = secretToken();
  const victim = await runOk(server, 'regexp_statics', { token: secret, mode: 'victim' });
  expect(victim['token']).toBe(secret); // the victim really matched its secret
  const before = server.transcript().length;

  const read = await runOk(server, 'regexp_statics', { token: 'x', mode: 'read' });
  expect(read['found']).toEqual({ replaceDollar: 'aa||b', freshLastIndex: 0 });
  // Only Symbol.species remains on the constructor (as a symbol, not listed here).
  expect(read['keys']).toEqual([]);
  expect(server.transcript().slice(before)).not.toContain(secret);
  await expectContained(server, { tool: 'regexp_statics' });
});
