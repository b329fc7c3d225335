import { randomBytes } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { requestError } from './results.js';

export function newIncidentId(): string {
  return `inc_${randomBytes(6).toString('hex')}`;
}

/**
 * The one place where a thrown error becomes a tool result. User errors (AppError of kind
 * `user`) carry messages written for the agent. Anything else is a fault of ours: its stack goes
 * to the log under an incident id, and the agent gets the id, never the host stack.
 */
export function errorResult(err: unknown, logger: Logger, where: Record<string, unknown>): CallToolResult {
  if (isAppError(err) && err.kind === 'user') return requestError(err.code, err.message);
  const incident = newIncidentId();
  logger.error(`incident ${incident}: unexpected error`, { ...where, error: describe(err) });
  if (isAppError(err)) {
    // System AppErrors have messages written for the agent too (e.g. SANDBOX_UNAVAILABLE).
    return requestError(err.code, `${err.message} (incident ${incident})`, incident);
  }
  return requestError('INTERNAL', `Chameleon hit an internal error (incident ${incident}). This is not a fault in your request; the server log has the details. Retry, and report the incident id if it persists.`, incident);
}

function describe(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { thrown: String(err) };
  const cause = err.cause === undefined ? undefined : describe(err.cause);
  return { name: err.name, message: err.message, stack: err.stack, ...(isAppError(err) ? { code: err.code } : {}), ...(cause ? { cause } : {}) };
}
