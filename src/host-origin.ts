/**
 * DNS-rebinding protection for the HTTP servers (MCP over Streamable HTTP, the web console).
 * A page on evil.example whose name resolves to 127.0.0.1 makes the browser send
 * `Host: evil.example:port`, and its scripts send `Origin: http://evil.example`. On loopback the
 * Host header must name the server as bound (or be allowed explicitly); an Origin header, when
 * one is sent, must be the server's own or allowed explicitly.
 */
import type { IncomingMessage } from 'node:http';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export interface HostOriginRefusal {
  header: 'host' | 'origin';
  value: string;
  message: string;
}

export interface HostOriginCheck {
  /** Once listening: on loopback, the server's own names at `port` become the allowed Host and Origin values. */
  bound(port: number): void;
  /** Null when the request may go on. */
  check(req: IncomingMessage): HostOriginRefusal | null;
}

export function createHostOriginCheck(options: { host: string; allowedHosts?: readonly string[]; allowedOrigins?: readonly string[] }): HostOriginCheck {
  const allowedHosts = new Set<string>((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
  const allowedOrigins = new Set<string>((options.allowedOrigins ?? []).map((o) => o.toLowerCase()));
  return {
    bound(port) {
      if (!isLoopbackHost(options.host)) return;
      for (const name of ['localhost', '127.0.0.1', '[::1]', hostForUrl(options.host)]) {
        allowedHosts.add(`${name}:${port}`.toLowerCase());
        allowedOrigins.add(`http://${name}:${port}`.toLowerCase());
      }
    },
    check(req) {
      const host = (req.headers.host ?? '').toLowerCase();
      if (allowedHosts.size > 0 && !allowedHosts.has(host)) return { header: 'host', value: host, message: `Forbidden: Host ${JSON.stringify(host)} is not allowed.` };
      const origin = req.headers.origin;
      if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) {
        return { header: 'origin', value: origin, message: `Forbidden: Origin ${JSON.stringify(origin)} is not allowed.` };
      }
      return null;
    },
  };
}
