import type { Config } from '../config.js';
import type { TenantConfig } from './schema.js';

/**
 * The engine's config for a tenant's scope: the server's, with the tenant's `limits`, and the
 * quotas the engine already enforces per persona put where it reads them (`tools` as
 * limits.maxToolsPerPersona, checked inside the write transaction; `sourceBytes` as
 * payload.maxSourceBytes, checked before compiling), rather than counted a second time.
 */
export function tenantEngineConfig(config: Readonly<Config>, tenant: TenantConfig): Readonly<Config> {
  return Object.freeze({
    ...config,
    limits: Object.freeze({ ...config.limits, ...tenant.limits, maxToolsPerPersona: tenant.quotas.tools ?? config.limits.maxToolsPerPersona }),
    payload: Object.freeze({ ...config.payload, maxSourceBytes: tenant.quotas.sourceBytes ?? config.payload.maxSourceBytes }),
  });
}
