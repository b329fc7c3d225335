/**
 * Refusals and their messages. Each message is for the agent that wrote the tool: what was
 * refused, why, and which setting changes it (the tool's manifest, or the host's config key).
 * Messages name hosts, addresses, secrets and settings, never a secret's value.
 */
import type { FetchRefusal } from './types.js';

export function refusal(name: FetchRefusal['name'], message: string): FetchRefusal {
  return { refused: true, name, message };
}

/** A list of patterns as a message shows it. */
export function listed(patterns: readonly string[]): string {
  return patterns.length === 0 ? 'nothing' : patterns.join(', ');
}

/**
 * Why a destination outside the manifest, the ceiling or both is refused. `target` is the
 * pattern to add (host, with port unless 80/443).
 */
export function notAllowedMessage(target: string, tool: string, inManifest: boolean, inCeiling: boolean, ceiling: readonly string[]): string {
  const head = `fetch to ${target} is not allowed for tool ${tool}`;
  const hostAllows = `(the host allows: ${listed(ceiling)})`;
  if (inCeiling) return `${head}: add "${target}" to its capabilities.fetch ${hostAllows}`;
  if (inManifest) {
    return `${head}: its capabilities.fetch allows it but the host's config does not: the host must add "${target}" to capabilities.fetch.allow in its config ${hostAllows}`;
  }
  return `${head}: the host does not allow it either: the host must first add "${target}" to capabilities.fetch.allow in its config, then the tool can add it to its capabilities.fetch ${hostAllows}`;
}

/** Why an address is refused, with both ways the host can permit it. */
export function addressMessage(target: string, tool: string, host: string, address: string, why: string, resolved: boolean, suggestedRange: string): string {
  const what = resolved ? `${host} resolves to ${address}, ${why}` : `${address} is ${why}`;
  const rebinding = resolved ? ' (a name that resolves to a non-public address is refused: it is how DNS rebinding reaches internal services)' : '';
  return (
    `fetch to ${target} is not allowed for tool ${tool}: ${what}${rebinding}. ` +
    `Non-public addresses are reached only when the host permits them: add "${suggestedRange}" (or its network) to capabilities.fetch.privateRanges in its config, ` +
    `or name the host exactly as an IP address or localhost in capabilities.fetch.allow (not through a wildcard)`
  );
}

/** Why a response (from `where`: origin and path) does not fit in what is left of the call's capabilities.fetch.maxBytesPerCall. */
export function callBytesMessage(where: string, perCall: { maxBytes: number; received: number }): string {
  const left = Math.max(0, perCall.maxBytes - perCall.received);
  return (
    `the response from ${where} is larger than the ${left} bytes this call may still receive: its fetches have received ${perCall.received} bytes ` +
    `of the ${perCall.maxBytes} one call may (the host's capabilities.fetch.maxBytesPerCall): fetch less per call (a page, a range, a filter), ` +
    'or the host must raise capabilities.fetch.maxBytesPerCall in its config'
  );
}
