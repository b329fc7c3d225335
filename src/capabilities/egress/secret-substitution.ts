/**
 * Swaps secret placeholders in header values for the secrets' values, on one hop, only when
 * that hop's host is one of the secret's hosts. Checked again after the swap: a value that
 * holds a line break would inject headers, and is refused without being quoted.
 */
import { headerProblem } from './request-headers.js';
import { matchPattern, suggestedPattern } from './host-patterns.js';
import { refusal, listed } from './refusal.js';
import { placeholderNames, replacePlaceholders } from './secrets.js';
import type { EgressPolicy, FetchRefusal } from './types.js';

export type Substitution =
  | { ok: true; headers: Array<[string, string]>; used: Map<string, string> }
  | { ok: false; refusal: FetchRefusal };

function missingSecretMessage(name: string, policy: EgressPolicy): string {
  const quoted = JSON.stringify(name);
  if (policy.declaredSecrets?.includes(name)) {
    return `secret ${quoted} is declared by tool ${policy.tool} but not configured on this server: the host must add it under secrets in its config, with the env variable that holds it and its hosts`;
  }
  if (policy.declaredSecrets) {
    return `tool ${policy.tool} uses secret ${quoted} without declaring it: add ${quoted} to its capabilities.secrets (the host must also configure it under secrets in its config)`;
  }
  return `secret ${quoted} is not available to tool ${policy.tool}: the tool must list it in its capabilities.secrets, and the host must configure it under secrets in its config`;
}

/** The headers with every placeholder replaced, and which secrets were used, or the refusal. */
export function substituteSecrets(headers: ReadonlyArray<readonly [string, string]>, url: URL, policy: EgressPolicy): Substitution {
  const used = new Map<string, string>();
  const out: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    const names = placeholderNames(value);
    if (names.length === 0) {
      out.push([name, value]);
      continue;
    }
    for (const secretName of names) {
      const secret = policy.secrets.get(secretName);
      if (!secret) return { ok: false, refusal: refusal('CapabilityError', missingSecretMessage(secretName, policy)) };
      if (matchPattern(secret.hosts, url) === null) {
        const target = suggestedPattern(url);
        return {
          ok: false,
          refusal: refusal(
            'CapabilityError',
            `secret ${JSON.stringify(secretName)} may only be sent to ${listed(secret.hosts)}, and this request goes to ${target}: ` +
              `send it only to those hosts, or the host must add "${target}" to secrets.${secretName}.hosts in its config`,
          ),
        };
      }
      // A value that cannot be one header line is the host's configuration error: say so without quoting it.
      if (headerProblem(name, secret.value) !== null) {
        return {
          ok: false,
          refusal: refusal(
            'TypeError',
            `the value of secret ${JSON.stringify(secretName)} contains a line break, NUL, control character or a character above \\xFF, ` +
              `so it cannot be sent in a header: the host must fix the value of its secret ${secretName}`,
          ),
        };
      }
      used.set(secretName, secret.value);
    }
    out.push([name, replacePlaceholders(value, (n) => used.get(n) ?? '')]);
  }
  return { ok: true, headers: out, used };
}
