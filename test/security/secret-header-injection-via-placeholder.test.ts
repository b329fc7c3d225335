/**
 * Attack (integrity, header injection): make the substituted header carry a second header line
 * or a second request. Routes: a secret whose value holds CRLF, a lone LF, or a character
 * above \xFF (the host's misconfiguration, or a value an attacker got stored); a guest header
 * whose value appends CRLF after the placeholder; a placeholder whose name holds CRLF; and the
 * placeholder as a header name. What must hold: a value is checked again after substitution,
 * so the request is refused without quoting the value (it is still a secret), the guest's own
 * CR/LF never leaves the realm's Headers, and the host receives no request at all.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, capabilitiesConfig, expectTextNowhere, secretValue } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { httpTarget, type HttpTarget } from './helpers/http-target.js';

const CLEAN = secretValue('CLEAN');
const CRLF = `${secretValue('CRLF')}\r\nX-Injected: yes`;
const LF = `${secretValue('LF')}\nX-Injected: yes`;
const WIDE = `${secretValue('WIDE')}\u20ac`;
let home: HttpTarget;
let server: SecurityServer;
beforeAll(async () => {
  home = await httpTarget((_req, res) => res.end('home'));
  const secret = (env: string) => ({ env, hosts: [home.pattern] });
  server = await startSecurityServer({
    config: capabilitiesConfig({ allow: [home.pattern], secrets: { CLEAN_TOKEN: secret('T_CLEAN'), CRLF_TOKEN: secret('T_CRLF'), LF_TOKEN: secret('T_LF'), WIDE_TOKEN: secret('T_WIDE') } }),
    env: { T_CLEAN: CLEAN, T_CRLF: CRLF, T_LF: LF, T_WIDE: WIDE },
  });
});
afterAll(async () => {
  await server.close();
  await home.close();
});

const code = (base: string) => `
export default async (_a: unknown, ctx: any) => {
  const clean = ctx.secret('CLEAN_TOKEN');
  const tries: Array<[string, () => Promise<Response>]> = [
    ['CRLF value', () => fetch('${base}/', { headers: { authorization: 'Bearer ' + ctx.secret('CRLF_TOKEN') } })],
    ['LF value', () => fetch('${base}/', { headers: { 'x-key': ctx.secret('LF_TOKEN') } })],
    ['wide value', () => fetch('${base}/', { headers: { 'x-key': ctx.secret('WIDE_TOKEN') } })],
    ['CRLF after placeholder', () => fetch('${base}/', { headers: { 'x-key': clean + '\\r\\nX-Injected: yes' } })],
    ['CRLF in placeholder name', () => fetch('${base}/', { headers: { 'x-key': '{{chameleon-secret:CLEAN_TOKEN\\r\\nX-Injected: yes}}' } })],
    ['placeholder as name', () => fetch('${base}/', { headers: { [clean]: 'v' } })],
  ];
  const out: Record<string, string> = {};
  for (const [how, attempt] of tries) {
    try { const r = await attempt(); out[how] = 'sent ' + r.status; } catch (e: any) { out[how] = e.name + ': ' + e.message; }
  }
  return out;
};`;

it('no secret value or guest text can split the substituted header, and nothing is sent', async () => {
  await createOk(server, 'secret_crlf', code(`http://${home.pattern}`), { capabilities: { fetch: [home.pattern], secrets: ['CLEAN_TOKEN', 'CRLF_TOKEN', 'LF_TOKEN', 'WIDE_TOKEN'] } });
  const { result } = await callOk<Record<string, string>>(server, 'secret_crlf');

  const badValue = (name: string) => `TypeError: the value of secret "${name}" contains a line break, NUL, control character or a character above \\xFF, so it cannot be sent in a header: the host must fix the value of its secret ${name}`;
  expect(result['CRLF value']).toBe(badValue('CRLF_TOKEN'));
  expect(result['LF value']).toBe(badValue('LF_TOKEN'));
  expect(result['wide value']).toBe(badValue('WIDE_TOKEN'));
  // The guest's own CR/LF and the placeholder as a name never get past the realm's Headers.
  for (const how of ['CRLF after placeholder', 'CRLF in placeholder name', 'placeholder as name']) expect(result[how], how).toMatch(/^TypeError: /);
  expect(home.connections()).toBe(0);
  for (const [what, value] of [['the CRLF secret', CRLF], ['the LF secret', LF], ['the wide secret', WIDE], ['the clean secret', CLEAN]] as const) {
    expectTextNowhere(server, value.split(/[\r\n\u20ac]/)[0]!, what);
  }
  await expectContained(server, { tool: 'secret_crlf', note: '6 header-injection routes (3 secret values, 3 guest forms) refused; 0 connections to the host; no value quoted' });
});
