/**
 * One guest fetch, performed by the server under the tool's manifest and the host's ceiling:
 * every hop (the first request and each redirect) is checked in full (pattern, address,
 * secrets) before it connects, bounded in bytes and by the call's deadline, and recorded.
 * Never throws: whatever goes wrong is a FetchRefusal the guest's fetch rejects with.
 */
import { performance } from 'node:perf_hooks';
import { resolveChecked, systemResolver, type Resolver } from './address-check.js';
import { parseRanges, singleAddressRange } from './address-ranges.js';
import { auditPath } from './audit-path.js';
import { checkGuestRequest } from './guest-request.js';
import { destinationOf, namesHostExactly, parsePatterns, patternMatches, suggestedPattern, type HostPattern } from './host-patterns.js';
import { redactor, type Redact } from './redaction.js';
import { REDIRECT_STATUSES, redirectedRequest, type RedirectableRequest } from './redirects.js';
import { addressMessage, callBytesMessage, notAllowedMessage, refusal } from './refusal.js';
import { outgoingHeaders } from './request-headers.js';
import { readBody } from './response-body.js';
import { substituteSecrets } from './secret-substitution.js';
import { sendRequest, type Exchange } from './send-request.js';
import type { EgressAuditEntry, EgressBounds, EgressPolicy, EgressResult, FetchRefusal, GuestFetchRequest, GuestFetchResponse } from './types.js';
import { ABORTED, untilAborted } from './until-aborted.js';

export { callBytesMessage } from './refusal.js';
export type { EgressAuditEntry, EgressBounds, EgressPolicy, EgressResult, FetchRefusal, GuestFetchRequest, GuestFetchResponse } from './types.js';

/** What tests (and a host with a private CA) may replace. */
export interface EgressDeps {
  resolve?: Resolver;
  ca?: Exchange['ca'];
}

/** Everything one fetch's hops share. */
interface Run {
  policy: EgressPolicy;
  bounds: EgressBounds;
  deps: EgressDeps;
  manifest: HostPattern[];
  ceiling: HostPattern[];
  privateRanges: ReturnType<typeof parseRanges>;
  audit: EgressAuditEntry[];
  /** Secrets substituted on any hop: what the response is redacted of. */
  secretsUsed: Map<string, string>;
}

type Hop = { kind: 'done'; outcome: GuestFetchResponse | FetchRefusal } | { kind: 'redirect'; status: number; location: URL };

export async function egressFetch(request: GuestFetchRequest, policy: EgressPolicy, bounds: EgressBounds, deps: EgressDeps = {}): Promise<EgressResult> {
  const run: Run = {
    policy,
    bounds,
    deps,
    manifest: [],
    ceiling: [],
    privateRanges: [],
    audit: [],
    secretsUsed: new Map(),
  };
  let outcome: GuestFetchResponse | FetchRefusal;
  try {
    run.manifest = parsePatterns(policy.manifest);
    run.ceiling = parsePatterns(policy.ceiling);
    run.privateRanges = parseRanges(policy.privateRanges);
    outcome = await fetchUnderPolicy(run, request);
  } catch {
    // A bug of ours; the message must not carry host internals.
    outcome = refusal('TypeError', 'fetch failed: an unexpected error in the server (a bug in Chameleon)');
  }
  return redacted({ outcome, audit: run.audit }, redactor(run.secretsUsed));
}

async function fetchUnderPolicy(run: Run, request: GuestFetchRequest): Promise<GuestFetchResponse | FetchRefusal> {
  const checked = checkGuestRequest(request, run.bounds.maxRequestBytes);
  if ('refused' in checked) {
    recordUnsent(run, request, checked);
    return checked;
  }
  let url = checked.url;
  let current: RedirectableRequest = { method: checked.method, headers: checked.headers, body: checked.body };
  let via: Via | null = null;
  for (let hop = 0; ; hop++) {
    const step = await oneHop(run, url, current, hop, via, checked.redirect);
    if (step.kind === 'done') return step.outcome;
    if (hop >= run.bounds.maxRedirects) {
      return refusal('TypeError', `fetch failed: more than ${run.bounds.maxRedirects} redirects (the host's capabilities.fetch.maxRedirects), the last to ${step.location.origin}${step.location.pathname}`);
    }
    current = redirectedRequest(current, step.status, url, step.location);
    via = { from: url, status: step.status };
    url = step.location;
  }
}

/** A request refused before it had a hop still leaves an audit entry (the request may be malformed: read it as unknown). */
function recordUnsent(run: Run, request: unknown, refused: FetchRefusal): void {
  const fields = typeof request === 'object' && request !== null ? (request as Record<string, unknown>) : {};
  let url: URL | null = null;
  try {
    url = typeof fields.url === 'string' ? new URL(fields.url) : null;
  } catch {
    // No origin to record.
  }
  run.audit.push({
    op: 'fetch',
    method: typeof fields.method === 'string' ? fields.method.slice(0, 16) : '',
    origin: url?.origin ?? '',
    path: url ? auditPath(url) : '',
    status: null,
    bytes: 0,
    ms: 0,
    ...(refused.name === 'CapabilityError' ? { refused: 'request' } : { error: 'invalid request' }),
  });
}

interface Via {
  from: URL;
  status: number;
}

/** A refusal on a redirect hop says where the redirect came from and went. */
function located(outcome: FetchRefusal, to: URL, via: Via | null): FetchRefusal {
  if (!via) return outcome;
  return refusal(outcome.name, `redirect (${via.status}) from ${via.from.origin}${via.from.pathname} to ${to.origin}${to.pathname}: ${outcome.message}`);
}

async function oneHop(run: Run, url: URL, current: RedirectableRequest, hop: number, via: Via | null, redirect: GuestFetchRequest['redirect']): Promise<Hop> {
  const { policy, bounds } = run;
  const started = performance.now();
  const record = (fields: Partial<EgressAuditEntry>) =>
    run.audit.push({
      op: 'fetch',
      method: current.method,
      origin: url.origin,
      path: auditPath(url),
      status: null,
      bytes: 0,
      ms: Math.round(performance.now() - started),
      ...(hop > 0 ? { redirects: hop } : {}),
      ...fields,
    });
  const stop = (code: string, outcome: FetchRefusal): Hop => {
    record(outcome.name === 'CapabilityError' ? { refused: code } : { error: code });
    return { kind: 'done', outcome: located(outcome, url, via) };
  };
  const aborted = (waitingFor: string): Hop =>
    stop('deadline', refusal('TypeError', `fetch to ${url.origin} stopped at the call's deadline while waiting for ${waitingFor}`));

  if (bounds.signal.aborted) return aborted('the request to start');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return stop('scheme', refusal('TypeError', `fetch failed: only http: and https: URLs can be fetched, not ${url.protocol}`));
  }
  if (url.username !== '' || url.password !== '') {
    return stop('credentials in URL', refusal('TypeError', 'fetch failed: a URL with credentials (user:password@) cannot be fetched: send them in a header instead'));
  }

  const to = destinationOf(url);
  const inManifest = run.manifest.some((p) => patternMatches(p, to));
  const ceilingMatches = run.ceiling.filter((p) => patternMatches(p, to));
  const target = suggestedPattern(url);
  if (!inManifest || ceilingMatches.length === 0) {
    return stop('not allowed', refusal('CapabilityError', notAllowedMessage(target, policy.tool, inManifest, ceilingMatches.length > 0, policy.ceiling)));
  }

  const substituted = substituteSecrets(current.headers, url, policy);
  if (!substituted.ok) return stop('secret', substituted.refusal);
  for (const [name, value] of substituted.used) run.secretsUsed.set(name, value);

  const allowance = { privateRanges: run.privateRanges, namedExactly: ceilingMatches.some(namesHostExactly) };
  const checked = await untilAborted(resolveChecked(to, allowance, run.deps.resolve ?? systemResolver), bounds.signal);
  if (checked === ABORTED) return aborted('the host name to resolve');
  if (!checked.ok && checked.kind === 'unresolved') return stop(checked.message, refusal('TypeError', `fetch failed: ${checked.message}`));
  if (!checked.ok) {
    const message = addressMessage(target, policy.tool, to.host, checked.address, checked.why, checked.resolved, singleAddressRange(checked.address));
    return stop('address', refusal('CapabilityError', message));
  }

  const sent = sendRequest({
    url,
    method: current.method,
    headers: outgoingHeaders(substituted.headers, url, policy.tool, current.body ? current.body.length : null),
    body: current.body,
    addresses: to.isIp ? null : checked.addresses,
    ...(run.deps.ca ? { ca: run.deps.ca } : {}),
  });
  // Whatever happens below, the socket does not outlive this hop.
  try {
    const head = await untilAborted(sent.result, bounds.signal);
    if (head === ABORTED) return aborted('the response headers');
    if (!head.ok) return stop(head.message, refusal('TypeError', `fetch failed: ${head.message}`));
    const response = head.response;
    const status = response.statusCode ?? 0;

    const location = response.headers.location;
    if (REDIRECT_STATUSES.has(status) && location !== undefined && redirect !== 'manual') {
      record({ status });
      if (redirect === 'error') {
        return { kind: 'done', outcome: located(refusal('TypeError', `fetch failed: ${url.origin} answered ${status} (a redirect) and the request's redirect mode is "error"`), url, via) };
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return { kind: 'done', outcome: refusal('TypeError', `fetch failed: ${url.origin} redirected (${status}) to an invalid URL`) };
      }
      return { kind: 'redirect', status, location: next };
    }

    const cap = responseCap(bounds);
    const declared = Number(response.headers['content-length']);
    const encoded = (response.headers['content-encoding'] ?? 'identity') !== 'identity';
    const body = !encoded && declared > cap.bytes ? ({ ok: false, kind: 'too-large', bytes: 0 } as const) : await untilAborted(readBody(response, cap.bytes), bounds.signal);
    if (body === ABORTED) return aborted('the response body');
    if (!body.ok) {
      const fields = { status, bytes: body.bytes };
      if (body.kind === 'too-large') {
        record({ ...fields, refused: 'too large' });
        return { kind: 'done', outcome: located(refusal('CapabilityError', cap.tooLarge(url)), url, via) };
      }
      record({ ...fields, error: body.message });
      return { kind: 'done', outcome: located(refusal('TypeError', `fetch failed: ${body.message}`), url, via) };
    }
    record({ status, bytes: body.body.length });
    return {
      kind: 'done',
      outcome: {
        status,
        statusText: response.statusMessage ?? '',
        url: withoutFragment(url),
        redirected: hop > 0,
        headers: headerPairs(response.rawHeaders),
        body: body.body.toString('latin1'),
      },
    };
  } finally {
    sent.close();
  }
}

/** The most one response may hold, and the refusal when it holds more, naming the bound that is the smaller. */
function responseCap(bounds: EgressBounds): { bytes: number; tooLarge(url: URL): string } {
  const { maxResponseBytes, perCall } = bounds;
  const left = perCall ? Math.max(0, perCall.maxBytes - perCall.received) : Infinity;
  if (perCall === undefined || left >= maxResponseBytes) {
    return {
      bytes: maxResponseBytes,
      tooLarge: (url) =>
        `the response from ${url.origin}${url.pathname} is larger than ${maxResponseBytes} bytes (the host's capabilities.fetch.maxResponseBytes): ` +
        'ask for less (a page, a range, a filter), or the host must raise capabilities.fetch.maxResponseBytes in its config',
    };
  }
  return { bytes: left, tooLarge: (url) => callBytesMessage(`${url.origin}${url.pathname}`, perCall) };
}

function withoutFragment(url: URL): string {
  const copy = new URL(url);
  copy.hash = '';
  return copy.href;
}

function headerPairs(raw: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return pairs;
}

/** The result with every secret that was sent replaced by its placeholder, wherever a server could reflect it. */
function redacted(result: EgressResult, redact: Redact): EgressResult {
  const audit = result.audit.map((entry) => ({
    ...entry,
    path: redact(entry.path),
    ...(entry.error !== undefined ? { error: redact(entry.error) } : {}),
  }));
  const o = result.outcome;
  if ('refused' in o) return { outcome: { ...o, message: redact(o.message) }, audit };
  return {
    outcome: {
      ...o,
      statusText: redact(o.statusText),
      url: redact(o.url),
      headers: o.headers.map(([name, value]) => [redact(name), redact(value)]),
      body: redact(o.body),
    },
    audit,
  };
}
