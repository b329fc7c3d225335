/**
 * The contract between the guest side (the sandbox's `fetch`, through the channel) and the
 * server's egress: plain data both ways, bodies as latin1 strings (one char per byte) so that
 * nothing but strings crosses the isolate boundary.
 */

export interface GuestFetchRequest {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  /** latin1: one char per byte. */
  body: string | null;
  redirect: 'follow' | 'manual' | 'error';
}

export interface GuestFetchResponse {
  status: number;
  statusText: string;
  /** The final URL, after redirects, without fragment. */
  url: string;
  redirected: boolean;
  /** Names lowercased, in the order received, repeated names kept. */
  headers: Array<[string, string]>;
  /** latin1: one char per byte. */
  body: string;
}

/** A fetch that did not happen or did not complete. The message is written for the agent: what happened and what to change. */
export interface FetchRefusal {
  refused: true;
  /** CapabilityError: the host's or the tool's policy refused it. TypeError: what fetch itself would reject (bad request, network failure). */
  name: 'CapabilityError' | 'TypeError';
  message: string;
}

export interface EgressPolicy {
  /** The tool's name, for messages and the default user agent. */
  tool: string;
  /** The tool's `capabilities.fetch`. */
  manifest: readonly string[];
  /** The host's `capabilities.fetch.allow`. */
  ceiling: readonly string[];
  /** The host's `capabilities.fetch.privateRanges`: CIDRs it permits (e.g. "10.0.0.0/8"). */
  privateRanges: readonly string[];
  /** Only the secrets this tool declared AND the host configured. */
  secrets: ReadonlyMap<string, { value: string; hosts: readonly string[] }>;
  /**
   * The tool's `capabilities.secrets` as declared, when known: lets a refusal say whether a
   * missing secret is the tool's omission or the host's.
   */
  declaredSecrets?: readonly string[];
}

export interface EgressBounds {
  maxResponseBytes: number;
  /**
   * The call's own bound (capabilities.fetch.maxBytesPerCall) and what its earlier fetches
   * received: a response may not take the call past it, and a refusal names whichever bound
   * was the smaller. Absent: only maxResponseBytes applies.
   */
  perCall?: { maxBytes: number; received: number };
  maxRedirects: number;
  maxRequestBytes: number;
  /** Aborted at the call's wall deadline: every wait (DNS, connect, headers, body) ends there. */
  signal: AbortSignal;
}

export interface EgressAuditEntry {
  op: 'fetch';
  method: string;
  origin: string;
  /** The path, with query values removed: `/search?q=&page=`. */
  path: string;
  status: number | null;
  /** Response body bytes received (decoded). */
  bytes: number;
  ms: number;
  /** Why the policy refused this hop (a short code; the message went to the guest). */
  refused?: string;
  /** Why the exchange failed (network, decoding, deadline). */
  error?: string;
  /** On a hop reached by redirect: how many redirects led to it. */
  redirects?: number;
}

export interface EgressResult {
  outcome: GuestFetchResponse | FetchRefusal;
  /** One entry per hop. */
  audit: EgressAuditEntry[];
}
