/**
 * Links a caller's failure to the failures of the tools it called (issue 15). A ToolCallError
 * in the guest carries its callee's execution id among its properties; the id is the guest's
 * word, so it only selects among the callees this very call made and that failed (the call
 * host's own record), and what is linked is the server's account of the callee's failure, never
 * the guest's. Links are looked for on the failure itself and on its cause chain and members (a
 * caller that wrapped the ToolCallError: `new Error("...", { cause: e })`).
 *
 * Once linked, the callee facts the guest copied onto the error (tool, version, executionId,
 * kind, error, frames) are dropped from its properties: the link says the same, from the log.
 */
import type { CalleeFailure, Failure, FailureFacts, LinkedError } from '../model.js';

export const TOOL_CALL_ERROR = 'ToolCallError';

/** The properties sandbox/capabilities/tools.ts sets on a ToolCallError. */
const CALLEE_PROPERTIES = ['tool', 'version', 'executionId', 'kind', 'error', 'frames'];

/** Errors looked at for a link, all levels together (the prelude describes at most 16 linked errors). */
const MAX_VISITED = 32;

export function linkCallees(failure: Failure, callees: ReadonlyMap<string, CalleeFailure>): Failure {
  if (callees.size === 0) return failure;
  const budget = { left: MAX_VISITED };
  return linked(failure, callees, budget);
}

function linked<T extends FailureFacts & { name: string }>(error: T, callees: ReadonlyMap<string, CalleeFailure>, budget: { left: number }): T {
  if (budget.left-- <= 0) return error;
  let out = error;
  const callee = error.name === TOOL_CALL_ERROR ? calleeOf(error.properties, callees) : undefined;
  if (callee !== undefined) out = { ...out, callee, ...withoutCalleeProperties(out.properties) };
  if (out.cause !== undefined) out = { ...out, cause: linked<LinkedError>(out.cause, callees, budget) };
  if (out.errors !== undefined) out = { ...out, errors: out.errors.map((member) => linked<LinkedError>(member, callees, budget)) };
  return out;
}

function calleeOf(properties: Record<string, unknown> | undefined, callees: ReadonlyMap<string, CalleeFailure>): CalleeFailure | undefined {
  const id = properties?.['executionId'];
  return typeof id === 'string' ? callees.get(id) : undefined;
}

/** `{ properties }` without the callee's facts, or `{ properties: undefined }` when nothing else is left. */
function withoutCalleeProperties(properties: Record<string, unknown> | undefined): { properties?: Record<string, unknown> } {
  if (properties === undefined) return {};
  const rest = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(properties)) if (!CALLEE_PROPERTIES.includes(key)) rest[key] = value;
  return { properties: Object.keys(rest).length === 0 ? undefined : rest };
}
