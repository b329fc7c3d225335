/**
 * The host-pattern language shared by a tool's manifest (`capabilities.fetch`), the host's
 * ceiling (`capabilities.fetch.allow`) and each secret's `hosts`:
 *
 * | pattern               | matches                                                    |
 * |-----------------------|------------------------------------------------------------|
 * | `api.github.com`      | that host on ports 80 and 443                              |
 * | `api.github.com:8443` | that host on that port                                     |
 * | `api.github.com:*`    | that host on any port                                      |
 * | `*.example.org`       | any subdomain (one or more labels), not example.org itself |
 * | `*`                   | any host, ports 80 and 443 (private addresses still refused) |
 * | `127.0.0.1:8080`, `[::1]:8080`, `localhost:3000` | IP literals and localhost        |
 *
 * Hosts are compared after the WHATWG URL parser's normalisation (lowercase, IDN to punycode,
 * `0x7f.1` to `127.0.0.1`), without a trailing dot, and with IPv4-mapped IPv6 as the IPv4
 * it maps to: a pattern and a URL that reach the same place compare equal.
 */
import ipaddr from 'ipaddr.js';

/** What a pattern's host part matches. */
export type HostMatcher =
  | { kind: 'any' }
  | { kind: 'subdomains'; domain: string }
  | { kind: 'name'; name: string }
  | { kind: 'ip'; address: string };

export interface HostPattern {
  source: string;
  host: HostMatcher;
  /** `any`, or the ports allowed (80 and 443 when the pattern names none). */
  ports: 'any' | readonly number[];
}

/** Where a URL goes, in the form patterns are compared with. */
export interface Destination {
  /** A name without trailing dot, or an IP address (IPv4-mapped IPv6 as IPv4, IPv6 without brackets). */
  host: string;
  isIp: boolean;
  port: number;
}

const DEFAULT_PORTS: readonly number[] = [80, 443];
const MAX_PATTERN_LENGTH = 300;

/** Validates a pattern; returns a problem message or null. */
export function patternProblem(pattern: string): string | null {
  const parsed = parsePattern(pattern);
  return typeof parsed === 'string' ? parsed : null;
}

/** Parses a pattern, or returns what is wrong with it (written for whoever wrote the pattern). */
export function parsePattern(source: string): HostPattern | string {
  if (typeof source !== 'string' || source.length === 0) return 'a host pattern must be a non-empty string, e.g. "api.github.com"';
  const quoted = JSON.stringify(source.slice(0, 80));
  if (source.length > MAX_PATTERN_LENGTH) return `host pattern ${quoted}… is longer than ${MAX_PATTERN_LENGTH} characters`;
  if (/\s/.test(source)) return `host pattern ${quoted} contains whitespace: write only the host and optional port, e.g. "api.github.com:8443"`;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(source);
  if (scheme) return `host pattern ${quoted} has a scheme: write only the host and optional port, e.g. "${source.slice(scheme[0].length).split('/')[0]}"`;
  if (/[/?#@\\]/.test(source)) return `host pattern ${quoted} has a path, query or user part: write only the host and optional port, e.g. "api.github.com:8443"`;

  const split = splitPort(source);
  if (typeof split === 'string') return `host pattern ${quoted}: ${split}`;
  const ports = parsePorts(split.port);
  if (typeof ports === 'object' && 'problem' in ports) return `host pattern ${quoted}: ${ports.problem}`;
  const host = parseHost(split.host);
  if (typeof host === 'string') return `host pattern ${quoted}: ${host}`;
  return { source, host, ports };
}

function splitPort(source: string): { host: string; port: string | null } | string {
  if (source.startsWith('[')) {
    const close = source.indexOf(']');
    if (close === -1) return 'an IPv6 address opened with "[" is not closed with "]"';
    const rest = source.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return 'after "]" only ":port" may follow';
    return { host: source.slice(0, close + 1), port: rest === '' ? null : rest.slice(1) };
  }
  const colons = source.split(':').length - 1;
  if (colons > 1) return 'write an IPv6 address in brackets, e.g. "[::1]:8080"';
  if (colons === 0) return { host: source, port: null };
  const at = source.indexOf(':');
  return { host: source.slice(0, at), port: source.slice(at + 1) };
}

function parsePorts(port: string | null): HostPattern['ports'] | { problem: string } {
  if (port === null) return DEFAULT_PORTS;
  if (port === '*') return 'any';
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) return { problem: `the port "${port}" must be a number from 1 to 65535, or "*" for any port` };
  return [Number(port)];
}

function parseHost(host: string): HostMatcher | string {
  if (host === '') return 'the host is empty';
  if (host === '*') return { kind: 'any' };
  if (host.startsWith('*.')) {
    const domain = normaliseHost(host.slice(2));
    if (typeof domain === 'string') return domain;
    if (domain.isIp) return '"*." must be followed by a domain name, not an IP address';
    return { kind: 'subdomains', domain: domain.host };
  }
  if (host.includes('*')) return '"*" may only be the whole pattern or a whole first label, e.g. "*.example.org"';
  const normalised = normaliseHost(host);
  if (typeof normalised === 'string') return normalised;
  return normalised.isIp ? { kind: 'ip', address: normalised.host } : { kind: 'name', name: normalised.host };
}

/** The host as a URL would carry it, through the same WHATWG parser the request's URL goes through. */
function normaliseHost(host: string): { host: string; isIp: boolean } | string {
  if (host.startsWith('[')) {
    const inner = host.slice(1, -1);
    if (!ipaddr.IPv6.isValid(inner) || inner.includes('%')) return `"${host}" is not a valid IPv6 address`;
    return { host: ipaddr.process(inner).toString(), isIp: true };
  }
  let hostname: string;
  try {
    hostname = new URL(`http://${host}/`).hostname;
  } catch {
    return `"${host}" is not a valid host name`;
  }
  return hostOf(hostname);
}

function hostOf(urlHostname: string): { host: string; isIp: boolean } | string {
  if (urlHostname.startsWith('[')) return { host: ipaddr.process(urlHostname.slice(1, -1)).toString(), isIp: true };
  const name = urlHostname.endsWith('.') ? urlHostname.slice(0, -1) : urlHostname;
  if (name === '' || name.startsWith('.') || name.includes('..')) return `"${urlHostname}" is not a valid host name`;
  // After the URL parser, an IPv4 address is always in dotted four-part decimal.
  return { host: name, isIp: ipaddr.IPv4.isValidFourPartDecimal(name) };
}

/** Where an http(s) URL goes: its normalised host and its port (default 80 or 443). */
export function destinationOf(url: URL): Destination {
  const host = hostOf(url.hostname);
  // A URL that parsed has a valid host; a string here would mean "a.." which the parser refuses.
  const resolved = typeof host === 'string' ? { host: url.hostname, isIp: false } : host;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { ...resolved, port };
}

export function hostMatches(matcher: HostMatcher, to: Destination): boolean {
  switch (matcher.kind) {
    case 'any':
      return true;
    case 'subdomains':
      return !to.isIp && to.host.endsWith(`.${matcher.domain}`);
    case 'name':
      return !to.isIp && to.host === matcher.name;
    case 'ip':
      return to.isIp && to.host === matcher.address;
  }
}

function portMatches(ports: HostPattern['ports'], port: number): boolean {
  return ports === 'any' || ports.includes(port);
}

export function patternMatches(pattern: HostPattern, to: Destination): boolean {
  return hostMatches(pattern.host, to) && portMatches(pattern.ports, to.port);
}

/** The valid patterns of a list, parsed; invalid ones match nothing (config validation reports them). */
export function parsePatterns(patterns: readonly string[]): HostPattern[] {
  return patterns.map(parsePattern).filter((p): p is HostPattern => typeof p !== 'string');
}

/** The first pattern matching a URL's host+port, or null. */
export function matchPattern(patterns: readonly string[], url: URL): string | null {
  const to = destinationOf(url);
  return parsePatterns(patterns).find((p) => patternMatches(p, to))?.source ?? null;
}

/** Whether every host `inner` matches is matched by `outer`. */
function hostCovers(outer: HostMatcher, inner: HostMatcher): boolean {
  switch (outer.kind) {
    case 'any':
      return true;
    case 'subdomains':
      if (inner.kind === 'name') return inner.name.endsWith(`.${outer.domain}`);
      if (inner.kind === 'subdomains') return inner.domain === outer.domain || inner.domain.endsWith(`.${outer.domain}`);
      return false;
    case 'name':
      return inner.kind === 'name' && inner.name === outer.name;
    case 'ip':
      return inner.kind === 'ip' && inner.address === outer.address;
  }
}

/**
 * Whether the ceiling pattern list allows everything `pattern` allows (a manifest pattern
 * within the ceiling). Ports may be covered by different ceiling patterns ("a.com:80" and
 * "a.com:443" together cover "a.com").
 */
export function ceilingCovers(ceiling: readonly string[], pattern: string): boolean {
  const inner = parsePattern(pattern);
  if (typeof inner === 'string') return false;
  const hosts = parsePatterns(ceiling).filter((c) => hostCovers(c.host, inner.host));
  if (inner.ports === 'any') return hosts.some((c) => c.ports === 'any');
  return inner.ports.every((port) => hosts.some((c) => portMatches(c.ports, port)));
}

/** The pattern to suggest for a URL: its host, with its port unless 80 or 443. */
export function suggestedPattern(url: URL): string {
  const to = destinationOf(url);
  const host = to.isIp && to.host.includes(':') ? `[${to.host}]` : to.host;
  return DEFAULT_PORTS.includes(to.port) ? host : `${host}:${to.port}`;
}

/**
 * Whether a ceiling pattern names one host exactly as an IP literal or `localhost`: the
 * host's explicit consent to reach that private address (issue 14).
 */
export function namesHostExactly(pattern: HostPattern): boolean {
  return pattern.host.kind === 'ip' || (pattern.host.kind === 'name' && pattern.host.name === 'localhost');
}
