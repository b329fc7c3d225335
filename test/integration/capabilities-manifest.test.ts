import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// A tool's capabilities manifest (issue 14): declared at create/update, kept with the version,
// held to the host's ceiling when written, and the first thing a call's requests are checked
// against.
let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine(
    {
      capabilities: { fetch: { allow: ['api.example.com', '*.example.org', 'localhost:8080'] } },
      secrets: { API_TOKEN: { env: 'TEST_API_TOKEN', hosts: ['api.example.com'] } },
    },
    { secretEnv: { TEST_API_TOKEN: 'canary-value-never-in-the-sandbox' } },
  );
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

async function refusal(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (err) {
    if (isAppError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('the capabilities manifest', () => {
  it('is saved with the version and shown, normalised (sorted, unique, lower case)', async () => {
    const made = await scope.createTool({
      name: 'gh',
      description: 'd',
      code: 'export default () => 1;',
      capabilities: { fetch: ['localhost:8080', 'API.example.com'], secrets: ['API_TOKEN'], kv: 'persona' },
    });
    expect(made).toMatchObject({ ok: true, tool: { capabilities: { fetch: ['api.example.com', 'localhost:8080'], secrets: ['API_TOKEN'], kv: 'persona' } } });
    expect((await scope.getTool('gh')).tool.capabilities).toEqual({ fetch: ['api.example.com', 'localhost:8080'], secrets: ['API_TOKEN'], kv: 'persona' });
  });

  it('refuses, at create, a host outside the ceiling, naming the config key the host must change', async () => {
    const out = await refusal(scope.createTool({ name: 'evil', description: 'd', code: 'export default () => 1;', capabilities: { fetch: ['internal.corp'] } }));
    expect(out.code).toBe('CAPABILITY_REFUSED');
    expect(out.message).toContain('"internal.corp" is outside what this server allows');
    expect(out.message).toContain('capabilities.fetch.allow');
    await expect(scope.getTool('evil')).rejects.toThrow(/not found/);
  });

  it('refuses a secret the host does not have, and lists the ones it has', async () => {
    const out = await refusal(scope.createTool({ name: 'nosecret', description: 'd', code: 'export default () => 1;', capabilities: { secrets: ['OTHER'] } }));
    expect(out.message).toMatch(/OTHER is not a secret this server has \(it has: API_TOKEN\)/);
  });

  it('is replaced by an update that gives one, kept by an update that does not, and removed by {}', async () => {
    await scope.createTool({ name: 'evolving', description: 'd', code: 'export default () => 1;', capabilities: { fetch: ['api.example.com'] } });
    await scope.updateTool({ name: 'evolving', code: 'export default () => 2;' });
    expect((await scope.getTool('evolving')).tool.capabilities).toEqual({ fetch: ['api.example.com'] });
    await scope.updateTool({ name: 'evolving', capabilities: { fetch: ['x.example.org'] } });
    expect((await scope.getTool('evolving')).tool).toMatchObject({ activeVersion: 3, capabilities: { fetch: ['x.example.org'] } });
    await scope.updateTool({ name: 'evolving', capabilities: {} });
    expect((await scope.getTool('evolving')).tool.capabilities).toEqual({});
    // Rolling back restores the manifest with the code.
    await scope.rollbackTool('evolving', 1);
    expect((await scope.getTool('evolving')).tool.capabilities).toEqual({ fetch: ['api.example.com'] });
  });
});

describe('a call', () => {
  it("refuses fetch in a tool that declares none, at the agent's line, saying what to add", async () => {
    const code = ['export default async () => {', '  const url = "https://api.example.com/x";', '  const res = await fetch(url);', '  return res.status;', '};'].join('\n');
    await scope.createTool({ name: 'undeclared', description: 'd', code });
    const out = await scope.runTool('undeclared', {});
    expect(out).toMatchObject({ ok: false, failure: { kind: 'exception', name: 'CapabilityError' } });
    if (out.ok) return;
    expect(out.failure.message).toMatch(/fetch is not available to tool undeclared: it declares no capabilities\.fetch/);
    expect(out.failure.message).toContain('this server allows: api.example.com, *.example.org, localhost:8080');
    expect(out.failure.frames[0]).toMatchObject({ tool: 'undeclared', line: 3 });
    // The advice is for whoever can change the policy, not "fix the code".
    expect(out.advice).toMatch(/^The server refused a request of the tool under its policy/);
  });

  it('gives a declared secret as a placeholder, never its value', async () => {
    await scope.createTool({ name: 'placeholder', description: 'd', code: 'export default (_a: unknown, ctx: any) => ctx.secret("API_TOKEN");', capabilities: { secrets: ['API_TOKEN'] } });
    const out = await scope.runTool('placeholder', {});
    expect(out).toMatchObject({ ok: true });
    if (!out.ok) return;
    expect(out.result).toEqual(expect.stringContaining('API_TOKEN'));
    expect(JSON.stringify(out)).not.toContain('canary-value');
  });

  it("refuses a secret the tool did not declare, at the agent's line", async () => {
    await scope.createTool({ name: 'sneaky', description: 'd', code: 'export default (_a: unknown, ctx: any) => {\n  return ctx.secret("API_TOKEN");\n};' });
    const out = await scope.runTool('sneaky', {});
    expect(out).toMatchObject({ ok: false, failure: { kind: 'exception' } });
    if (out.ok) return;
    expect(out.failure.message).toMatch(/tool sneaky does not declare this secret\. Add it to the tool's capabilities\.secrets/);
    expect(out.failure.frames[0]).toMatchObject({ line: 2 });
  });
});
