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
import { requestError } from './results.js';
import { META_TOOLS } from './tools/index.js';
import { createTokenMatcher, tokenSha256 } from '../tenants/tokens.js';

export interface Principal {
  /** For logs: the tenant's name, or `host`. */
  readonly name: string;
  /** One McpServer per session, on this principal's persona scope. */
  makeServer(): McpServer;
  /** A place for one more session of this principal, or the refusal (429) with its Retry-After. */
  reserveSession(retryAfterSeconds: () => number): SessionPlace | { message: string; retryAfterSeconds: number };
  /**
   * Answers a message of this principal's session without the SDK when it can: a tenant's tool
   * call its quotas refuse right now (earlyRefusal below). Returns false when the message must
   * go to the SDK; true when `send` was or will be called with the JSON-RPC answer.
   */
  answerEarly?(message: unknown, send: (answer: object) => void): boolean;
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
    const held = createRefusalHold();
    counters.set(name, tenantCounters);
    const scope = tenantScope(options.forPersona(personaOf(name, tenant), engineConfig), tenantCounters, {
      maxToolsPerPersona: engineConfig.limits.maxToolsPerPersona,
      maxSourceBytes: engineConfig.payload.maxSourceBytes,
    });
    entries.push({
      sha256Hex: tenant.tokenSha256,
      value: {
        name,
        makeServer: () => options.serverFor(scope),
        reserveSession: (retryAfter) => tenantCounters.reserveSession(retryAfter),
        answerEarly: (message, send) => {
          const answer = earlyRefusal(tenantCounters, message);
          if (answer === null) return false;
          held.answer(answer, send);
          return true;
        },
      },
    });
  }
  const host = options.host;
  if (host) {
    entries.push({ sha256Hex: tokenSha256(host.token), value: { name: 'host', makeServer: () => host.makeServer(), reserveSession: () => NO_SESSION_BOUND } });
  }
  const match = createTokenMatcher(entries);
  return { counters, authenticate: (authorization) => match(authorization) };
}

/** Meta-tools that are not calls of a stored tool: never counted, never refused by call quotas. */
const NOT_CALLS = new Set(META_TOOLS.map((t) => t.name).filter((name) => name !== 'run_tool'));

/**
 * A flooding tenant's refused calls answered before the SDK's transport sees them. Through the
 * SDK each costs the server ~5 ms (the Streamable HTTP machinery, a stream per response): six
 * callers hammering past their quota made another tenant's calls 8x slower
 * (test/e2e/tenant-fairness.test.ts). Here a refusal is a peek at the counters and one small
 * JSON answer, the same result the tool call would have had. Only a lone tools/call of a stored
 * tool (or run_tool) is answered here; anything else, and any call the counters would admit,
 * goes through the SDK, where tenants/scope.ts admits and counts it.
 */
function earlyRefusal(counters: TenantCounters, message: unknown): object | null {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return null;
  const { method, id, params } = message as { method?: unknown; id?: unknown; params?: unknown };
  if (method !== 'tools/call' || (typeof id !== 'string' && typeof id !== 'number')) return null;
  const name = params !== null && typeof params === 'object' ? (params as { name?: unknown }).name : undefined;
  if (typeof name !== 'string' || NOT_CALLS.has(name)) return null;
  const refusal = counters.peekRefusal();
  return refusal === null ? null : { jsonrpc: '2.0', id, result: requestError(refusal.code, refusal.message) };
}

/** How long a refused call's answer is held before it is sent. */
export const REFUSAL_HOLD_MS = 250;
/** Answers one tenant may have held at once; past it they go out at once. */
const MAX_HELD = 64;

/**
 * Refusals answered at once invite a caller that ignores them to send the next call at once:
 * six such callers sent 500-1,000 calls a second, and the parsing and answering, on both sides,
 * took the cores another tenant's calls needed (1.4-2.6x its unloaded median on 2 cores, 5-7x
 * before the fast path; 0.7-1.3x with the hold: test/e2e/tenant-fairness.test.ts). Held
 * REFUSAL_HOLD_MS, a caller that waits for its answer sends at most 4 a second; the answer,
 * when it comes, is the same. A hold costs a timer and the open request, at most MAX_HELD of
 * them per tenant (an open-loop flood past that is bounded by http.maxConnections).
 */
function createRefusalHold(): { answer(answer: object, send: (answer: object) => void): void } {
  let held = 0;
  return {
    answer(answer, send) {
      if (held >= MAX_HELD) return send(answer);
      held++;
      setTimeout(() => {
        held--;
        send(answer);
      }, REFUSAL_HOLD_MS).unref();
    },
  };
}
