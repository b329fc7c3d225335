/**
 * A tenant's persona scope: the engine's scope for its persona (with its own limits:
 * effective-config.ts) behind its quotas. Every call an agent starts (a stored tool, run_tool)
 * passes the log-row, concurrency and rate checks first; writes are checked for their size
 * before anything is compiled. A refusal is a QUOTA_EXCEEDED error naming the quota; nothing
 * runs and nothing is logged for it, and no other tenant's counter moves.
 */
import { isAppError } from '../errors.js';
import type { PersonaScope } from '../service/index.js';
import { applyEdits } from '../service/source-edits.js';
import type { TenantCounters } from './quota-counters.js';
import { sourceBytesExceeded, toolsExceeded } from './quota-errors.js';

export function tenantScope(scope: PersonaScope, counters: TenantCounters, limits: { maxToolsPerPersona: number; maxSourceBytes: number }): PersonaScope {
  const tenant = counters.tenant;
  const checkSource = (code: unknown) => {
    if (typeof code !== 'string') return; // the engine says what is wrong with it
    const bytes = Buffer.byteLength(code);
    if (bytes > limits.maxSourceBytes) throw sourceBytesExceeded(tenant, limits.maxSourceBytes, bytes);
  };
  // The engine counts tools inside its write transaction (two creates at once cannot both take
  // the last place) and refuses with TOO_MANY_TOOLS naming the server-wide setting; here it
  // becomes the tenant's quota, the one the host set for this tenant.
  const asQuota = async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      if (isAppError(err) && err.code === 'TOO_MANY_TOOLS') throw toolsExceeded(tenant, limits.maxToolsPerPersona, err);
      throw err;
    }
  };
  return {
    ...scope,
    createTool: (input) =>
      asQuota(() => {
        checkSource(input.code);
        return scope.createTool(input);
      }),
    updateTool: (input) =>
      asQuota(() => {
        checkSource(input.code);
        return scope.updateTool(input);
      }),
    editTool: (name, edits, options) =>
      asQuota(async () => {
        // The edited source, as the engine will make it (it refuses the same edits the same way).
        // (Promise.resolve: the store's reads are becoming asynchronous, issue 19.)
        const current = await Promise.resolve(scope.getTool(name));
        checkSource(applyEdits(current.source, edits, current.version));
        return scope.editTool(name, edits, options);
      }),
    runTool: async (name, args, progress) => {
      await counters.checkLogRows((cap) => scope.logRows(cap));
      const ticket = counters.startCall();
      try {
        return await scope.runTool(name, args, progress);
      } finally {
        ticket.release();
      }
    },
  };
}
