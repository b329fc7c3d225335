/**
 * Attack (information leak): get a secret the host gave an upstream MCP server. The host passes
 * a secret to `everything` in its environment (`env: { KEY: { secret: NAME } }`); the tool may
 * call `everything`, whose `get-env` tool reports its whole environment. What must hold: the
 * value reaches the upstream (the variable is there) but crosses back into the sandbox as its
 * placeholder, and is in no response, log row, database byte or stderr line of the server.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, expectTextNowhere, secretValue } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

const EVERYTHING = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
const SECRET = secretValue('UPSTREAMSECRET');
let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer({
    config: {
      secrets: { UP_TOKEN: { env: 'CHAMELEON_TEST_UP_TOKEN', hosts: ['api.example.com'] } },
      upstreams: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], env: { UPSTREAM_KEY: { secret: 'UP_TOKEN' } } } },
    },
    env: { CHAMELEON_TEST_UP_TOKEN: SECRET },
  });
});
afterAll(() => server.close());

it("an upstream that reports its environment hands the tool the secret's placeholder, never its value", async () => {
  await createOk(server, 'env_probe', 'export default async (_a: unknown, ctx: any) => JSON.stringify(await ctx.mcp.everything.callTool("get-env", {}));', { capabilities: { mcp: ['everything'] } });
  const { result } = await callOk<string>(server, 'env_probe');
  expect(result).toContain('UPSTREAM_KEY');
  expect(result).toContain('{{chameleon-secret:UP_TOKEN}}');
  expectTextNowhere(server, SECRET, 'the secret given to the upstream', [Buffer.from(SECRET).toString('base64')]);
  await expectContained(server, { note: 'the upstream held the value; the tool got the placeholder' });
}, 60_000);
