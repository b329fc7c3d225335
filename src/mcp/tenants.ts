/**
 * Who an HTTP request is (issue 19): the principal its bearer token names, which serves its own
 * persona and holds its own places for sessions. Without tenants there is one principal: the
 * server's `--token` (or, on loopback without a token, anyone), as before.
 *
 * With tenants, every request needs a tenant's token, on loopback too. `--token`, when also
 * given, stays the host's own: it serves `--persona` with the server-wide limits, no tenant
 * quotas (the operator's access, and the web console's login).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Config } from '../config.js';
import type { PersonaScope } from '../service/index.js';
import { tenantEngineConfig } from '../tenants/effective-config.js';
import { createTenantCounters, type SessionPlace, type TenantCounters } from '../tenants/quota-counters.js';
import { personaOf, type TenantsConfig } from '../tenants/schema.js';
import { tenantScope } from '../tenants/scope.js';
import { createTokenMatcher, tokenSha256 } from '../tenants/tokens.js';

export interface Principal {
  /** For logs: the tenant's name, or `host`. */
  readonly name: string;
  /** One McpServer per session, on this principal's persona scope. */
  makeServer(): McpServer;
  /** A place for one more session of this principal, or the refusal (429) with its Retry-After. */
  reserveSession(retryAfterSeconds: () => number): SessionPlace | { message: string; retryAfterSeconds: number };
}

export interface Principals {
  /** The principal whose token the header carries, or null (401). */
  authenticate(authorization: string | undefined): Principal | null;
}

const NO_SESSION_BOUND = { release() {} };

/** Without tenants: the server's token, or nobody's on loopback (http.ts refuses that elsewhere). */
export function singlePrincipal(token: string | undefined, makeServer: () => McpServer): Principals {
  const host: Principal = { name: 'host', makeServer, reserveSession: () => NO_SESSION_BOUND };
  if (token === undefined) return { authenticate: () => host };
  const match = createTokenMatcher([{ sha256Hex: tokenSha256(token), value: host }]);
  return { authenticate: (authorization) => match(authorization) };
}

export interface TenantPrincipals extends Principals {
  /** Each tenant's counters, by tenant name (for logs and tests). */
  readonly counters: ReadonlyMap<string, TenantCounters>;
}

/** One principal per tenant, on its persona's scope behind its quotas; plus the host's `--token`, when given. */
export function tenantPrincipals(options: {
  tenants: TenantsConfig;
  config: Readonly<Config>;
  forPersona(persona: string, config: Readonly<Config>): PersonaScope;
  serverFor(scope: PersonaScope): McpServer;
  host?: { token: string; makeServer(): McpServer } | undefined;
}): TenantPrincipals {
  const counters = new Map<string, TenantCounters>();
  const entries: Array<{ sha256Hex: string; value: Principal }> = [];
  for (const [name, tenant] of Object.entries(options.tenants)) {
    const engineConfig = tenantEngineConfig(options.config, tenant);
    const tenantCounters = createTenantCounters(name, tenant.quotas);
    counters.set(name, tenantCounters);
    const scope = tenantScope(options.forPersona(personaOf(name, tenant), engineConfig), tenantCounters, {
      maxToolsPerPersona: engineConfig.limits.maxToolsPerPersona,
      maxSourceBytes: engineConfig.payload.maxSourceBytes,
    });
    entries.push({
      sha256Hex: tenant.tokenSha256,
      value: { name, makeServer: () => options.serverFor(scope), reserveSession: (retryAfter) => tenantCounters.reserveSession(retryAfter) },
    });
  }
  const host = options.host;
  if (host) {
    entries.push({ sha256Hex: tokenSha256(host.token), value: { name: 'host', makeServer: () => host.makeServer(), reserveSession: () => NO_SESSION_BOUND } });
  }
  const match = createTokenMatcher(entries);
  return { counters, authenticate: (authorization) => match(authorization) };
}
