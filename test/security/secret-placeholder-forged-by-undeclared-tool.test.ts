/**
 * Attack (information leak): a tool that did not declare a secret writes its placeholder text
 * by hand (`{{chameleon-secret:API_TOKEN}}`), to the secret's own host, hoping the server
 * substitutes any placeholder it sees; and a tool that declared ANOTHER secret tries it too.
 * What must hold: the server substitutes only the secrets the calling tool's manifest lists,
 * so both requests are refused before sending, naming the fix; near-placeholders (other case,
 * spaces) are not placeholders and travel as the literal text they are, never as the value.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, capabilitiesConfig, expectTextNowhere, secretValue } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { httpTarget, type HttpTarget } from './helpers/http-target.js';

const SECRET = secretValue('API');
const OTHER = secretValue('OTHER');
let home: HttpTarget;
let server: SecurityServer;
beforeAll(async () => {
  home = await httpTarget((_req, res) => res.end('home'));
  server = await startSecurityServer({
    config: capabilitiesConfig({
      allow: [home.pattern],
      secrets: { API_TOKEN: { env: 'T_API', hosts: [home.pattern] }, OTHER_TOKEN: { env: 'T_OTHER', hosts: [home.pattern] } },
    }),
    env: { T_API: SECRET, T_OTHER: OTHER },
  });
});
afterAll(async () => {
  await server.close();
  await home.close();
});

const code = (base: string) => `
export default async (_a: unknown, ctx: any) => {
  const out: Record<string, string> = {};
  const attempt = async (label: string, value: string) => {
    try { const r = await fetch('${base}/' + label, { headers: { authorization: value } }); out[label] = 'sent ' + r.status; }
    catch (e: any) { out[label] = e.name + ': ' + e.message; }
  };
  try { ctx.secret('API_TOKEN'); out.secret = 'returned'; } catch (e: any) { out.secret = e.message; }
  await attempt('forged', 'Bearer {{chameleon-secret:API_TOKEN}}');
  await attempt('upper', '{{CHAMELEON-SECRET:API_TOKEN}}');
  await attempt('spaced', '{{ chameleon-secret:API_TOKEN }}');
  return out;
};`;

it("a tool gets no secret its manifest does not list, whatever text it writes", async () => {
  const base = `http://${home.pattern}`;
  await createOk(server, 'secret_undeclared', code(base), { capabilities: { fetch: [home.pattern] } });
  await createOk(server, 'secret_other_declared', code(base), { capabilities: { fetch: [home.pattern], secrets: ['OTHER_TOKEN'] } });
  const none = (await callOk<Record<string, string>>(server, 'secret_undeclared')).result;
  const other = (await callOk<Record<string, string>>(server, 'secret_other_declared')).result;

  expect(none.secret).toMatch(/^ctx\.secret\("API_TOKEN"\): tool secret_undeclared does not declare this secret/);
  expect(none.forged).toBe('CapabilityError: tool secret_undeclared uses secret "API_TOKEN" without declaring it: add "API_TOKEN" to its capabilities.secrets (the host must also configure it under secrets in its config)');
  expect(other.secret).toMatch(/does not declare this secret/);
  expect(other.forged).toMatch(/^CapabilityError: tool secret_other_declared uses secret "API_TOKEN" without declaring it/);
  // Not placeholders: sent as the text they are.
  for (const out of [none, other]) {
    expect(out.upper).toBe('sent 200');
    expect(out.spaced).toBe('sent 200');
  }
  expect(home.received.map((r) => `${r.url} ${String(r.headers.authorization)}`)).toEqual([
    '/upper {{CHAMELEON-SECRET:API_TOKEN}}',
    '/spaced {{ chameleon-secret:API_TOKEN }}',
    '/upper {{CHAMELEON-SECRET:API_TOKEN}}',
    '/spaced {{ chameleon-secret:API_TOKEN }}',
  ]);
  expectTextNowhere(server, SECRET, 'the undeclared secret');
  expectTextNowhere(server, OTHER, 'the other secret');
  await expectContained(server, { tool: 'secret_undeclared', note: '2 forged placeholders refused before sending (no declaration, another secret declared); 4 near-placeholders sent as literal text; the value sent 0 times' });
});
