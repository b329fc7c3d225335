import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { tenantEngineConfig } from '../../../src/tenants/effective-config.js';
import { withoutTenant, withTenant } from '../../../src/tenants/config-edit.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

describe('config tenants', () => {
  it('defaults a tenant persona to its name and fills quota defaults', () => {
    const config = parseConfig({ dbPath: 'x', tenants: { alpha: { tokenSha256: HASH_A } } });
    expect(config.tenants['alpha']).toEqual({ tokenSha256: HASH_A, limits: {}, quotas: { callsPerMinute: 600, concurrentCalls: 8, httpSessions: 8 } });
  });

  it.each([
    [{ alpha: { tokenSha256: 'secret-token' } }, 'tenants.alpha.tokenSha256: must be the SHA-256 of the token'],
    [{ alpha: { tokenSha256: HASH_A, quotas: { callsPerMinute: 0 } } }, 'tenants.alpha.quotas.callsPerMinute'],
    [{ alpha: { tokenSha256: HASH_A, quotas: { tokens: 1 } } }, 'tenants.alpha.quotas'],
    [{ Alpha: { tokenSha256: HASH_A } }, 'tenants.Alpha: Invalid key in record'],
    [{ alpha: { tokenSha256: HASH_A }, beta: { tokenSha256: HASH_A } }, "tenants.beta.tokenSha256: is also tenant alpha's"],
    [{ alpha: { tokenSha256: HASH_A }, beta: { tokenSha256: HASH_B, persona: 'alpha' } }, "tenants.beta.persona: persona alpha is also tenant alpha's"],
    [{ alpha: { tokenSha256: HASH_A, limits: { defaultTimeoutMs: 70_000 } } }, "tenants.alpha.limits.defaultTimeoutMs: must not exceed the tenant's maxTimeoutMs (60000)"],
    [{ alpha: { tokenSha256: HASH_A, limits: { maxToolsPerPersona: 5 } } }, 'tenants.alpha.limits'],
  ])('refuses %j, naming the path', (tenants, problem) => {
    expect(() => parseConfig({ dbPath: 'x', tenants })).toThrow(problem);
  });

  it('tenantEngineConfig() puts tools and sourceBytes where the engine reads them, and the tenant limits over the server ones', () => {
    const config = parseConfig({ dbPath: 'x', limits: { maxTimeoutMs: 30_000 }, tenants: { alpha: { tokenSha256: HASH_A, limits: { maxMemoryMb: 128 }, quotas: { tools: 7, sourceBytes: 4096 } } } });
    const engine = tenantEngineConfig(config, config.tenants['alpha']!);
    expect(engine.limits).toMatchObject({ maxToolsPerPersona: 7, maxMemoryMb: 128, maxTimeoutMs: 30_000 });
    expect(engine.payload.maxSourceBytes).toBe(4096);
    expect(engine.sandbox).toBe(config.sandbox);
    const plain = tenantEngineConfig(config, parseConfig({ dbPath: 'x', tenants: { b: { tokenSha256: HASH_B } } }).tenants['b']!);
    expect(plain.limits.maxToolsPerPersona).toBe(config.limits.maxToolsPerPersona);
  });

  it('withTenant()/withoutTenant() keep every other key and refuse duplicates and unknown names', () => {
    const file = { limits: { maxTimeoutMs: 1000 }, tenants: { alpha: { tokenSha256: HASH_A, quotas: { tools: 3 } } } };
    const added = withTenant(file, 'beta', { tokenSha256: HASH_B, persona: 'shared' });
    expect(added).toEqual({ limits: { maxTimeoutMs: 1000 }, tenants: { alpha: file.tenants.alpha, beta: { tokenSha256: HASH_B, persona: 'shared' } } });
    expect(() => withTenant(added, 'beta', { tokenSha256: HASH_A })).toThrow('Tenant beta already exists');
    expect(() => withTenant(file, 'Bad-Name', { tokenSha256: HASH_B })).toThrow('is not valid');
    expect(withoutTenant(added, 'alpha')).toEqual({ limits: { maxTimeoutMs: 1000 }, tenants: { beta: { tokenSha256: HASH_B, persona: 'shared' } } });
    expect(() => withoutTenant(file, 'gamma')).toThrow('its tenants are: alpha');
  });
});
