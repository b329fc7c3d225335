/**
 * `tenants` in the config (issue 19): one HTTP server for many agents, each known by its bearer
 * token (stored only as its SHA-256), serving its own persona within its own quotas.
 *
 * Quotas that the engine already enforces per persona are not counted twice: `tools` becomes
 * the tenant's `limits.maxToolsPerPersona` and `sourceBytes` its `payload.maxSourceBytes`
 * (tenants/effective-config.ts), so the engine's own checks, made inside its write
 * transaction, hold them. The others are counted by tenants/quota-counters.ts.
 */
import { z } from 'zod';
import { NAME_PATTERN } from '../model.js';

const KB = 1024;
const MB = 1024 * KB;

/** The SHA-256 of a token, as `chameleon tenants add` writes it. */
export const TOKEN_SHA256_PATTERN = /^[0-9a-f]{64}$/;

export const TenantQuotasSchema = z
  .object({
    /** Live tools (default: the server's limits.maxToolsPerPersona). */
    tools: z.number().int().min(1).max(1_000_000).optional(),
    /** Bytes of one tool's source (default: the server's payload.maxSourceBytes). */
    sourceBytes: z.number().int().min(KB).max(16 * MB).optional(),
    /** Calls an agent may start in any 60 s (calls tools make of other tools are not counted: tools.maxCallsPerRoot bounds those). */
    callsPerMinute: z.number().int().min(1).max(1_000_000).default(600),
    /** Calls in progress at once; one more is refused, never queued. */
    concurrentCalls: z.number().int().min(1).max(1_024).default(8),
    /** Rows of the tenant's execution log; past it calls are refused until retention (or `chameleon logs prune`) makes room. Unset: no bound. */
    logRows: z.number().int().min(1).max(1_000_000_000).optional(),
    /** HTTP sessions open at once. */
    httpSessions: z.number().int().min(1).max(4_096).default(8),
  })
  .strict();

/** The server-wide `limits` a tenant may set for itself (its tool count is `quotas.tools`). */
export const TenantLimitsSchema = z
  .object({
    defaultTimeoutMs: z.number().int().min(10).max(600_000),
    maxTimeoutMs: z.number().int().min(10).max(600_000),
    defaultMemoryMb: z.number().int().min(8).max(4_096),
    maxMemoryMb: z.number().int().min(8).max(4_096),
  })
  .partial()
  .strict();

export const TenantSchema = z
  .object({
    tokenSha256: z.string().regex(TOKEN_SHA256_PATTERN, 'must be the SHA-256 of the token in 64 lower-case hex digits (`chameleon tenants add` writes it); never the token itself'),
    /** Default: the tenant's name. */
    persona: z.string().regex(NAME_PATTERN, 'must match ^[a-z][a-z0-9_]{0,63}$').optional(),
    limits: TenantLimitsSchema.prefault({}),
    quotas: TenantQuotasSchema.prefault({}),
  })
  .strict();

export const TenantsSchema = z.record(z.string().regex(NAME_PATTERN, 'tenant names must match ^[a-z][a-z0-9_]{0,63}$'), TenantSchema).default({});

export type TenantConfig = z.infer<typeof TenantSchema>;
export type TenantQuotas = z.infer<typeof TenantQuotasSchema>;
export type TenantsConfig = z.infer<typeof TenantsSchema>;

/** A tenant's persona: its own, or its name. */
export function personaOf(name: string, tenant: Pick<TenantConfig, 'persona'>): string {
  return tenant.persona ?? name;
}

/**
 * Problems no single field shows, each with its path: two tenants on one token or one persona
 * (their tools, log and quotas would be shared), and limits that contradict the server's.
 */
export function tenantProblems(
  tenants: TenantsConfig,
  server: { limits: { defaultTimeoutMs: number; maxTimeoutMs: number; defaultMemoryMb: number; maxMemoryMb: number } },
): Array<{ path: Array<string | number>; message: string }> {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const byToken = new Map<string, string>();
  const byPersona = new Map<string, string>();
  for (const [name, tenant] of Object.entries(tenants)) {
    const other = byToken.get(tenant.tokenSha256);
    if (other !== undefined) problems.push({ path: ['tenants', name, 'tokenSha256'], message: `is also tenant ${other}'s: give each tenant its own token (chameleon tenants add)` });
    byToken.set(tenant.tokenSha256, name);
    const persona = personaOf(name, tenant);
    const sharing = byPersona.get(persona);
    if (sharing !== undefined) problems.push({ path: ['tenants', name, 'persona'], message: `persona ${persona} is also tenant ${sharing}'s: each tenant needs its own persona, or they would see each other's tools and log` });
    byPersona.set(persona, name);
    const limits = { ...server.limits, ...tenant.limits };
    if (limits.defaultTimeoutMs > limits.maxTimeoutMs) problems.push({ path: ['tenants', name, 'limits', 'defaultTimeoutMs'], message: `must not exceed the tenant's maxTimeoutMs (${limits.maxTimeoutMs})` });
    if (limits.defaultMemoryMb > limits.maxMemoryMb) problems.push({ path: ['tenants', name, 'limits', 'defaultMemoryMb'], message: `must not exceed the tenant's maxMemoryMb (${limits.maxMemoryMb})` });
  }
  return problems;
}
