/**
 * One HTTP exchange over node:http(s) to addresses already checked: a new connection per
 * request (`agent: false`: no pooled socket outlives the call or is shared between tools
 * whose policies differ), and one `close()` that tears everything down.
 */
import http from 'node:http';
import https from 'node:https';
import type { ResolvedAddress } from './address-check.js';
import { pinnedLookup } from './pinned-lookup.js';

export interface Exchange {
  url: URL;
  method: string;
  headers: Record<string, string | string[]>;
  body: Buffer | null;
  /** The checked addresses for a host name; null when the URL's host is an IP literal. */
  addresses: readonly ResolvedAddress[] | null;
  /** Extra trusted certificates (tests; a host's private CA). */
  ca?: string | Buffer | Array<string | Buffer>;
}

export type ExchangeResult = { ok: true; response: http.IncomingMessage } | { ok: false; message: string };

export interface SentRequest {
  /** Settles with the response head, or the network error as a message. Never rejects. */
  result: Promise<ExchangeResult>;
  /** Destroys the request, its response and its socket. Idempotent. */
  close(): void;
}

/** `[::1]` in a URL is `::1` to node:net. */
function connectHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export function sendRequest(exchange: Exchange): SentRequest {
  const { url } = exchange;
  const host = connectHost(url);
  const secure = url.protocol === 'https:';
  const options: https.RequestOptions = {
    protocol: url.protocol,
    hostname: host,
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: exchange.method,
    headers: exchange.headers,
    agent: false,
    setHost: false,
  };
  if (exchange.addresses) {
    options.lookup = pinnedLookup(host, exchange.addresses);
    // The certificate is checked against the name the guest asked for, not the address.
    if (secure) options.servername = host.endsWith('.') ? host.slice(0, -1) : host;
  }
  if (secure && exchange.ca) options.ca = exchange.ca;

  let settle!: (result: ExchangeResult) => void;
  const result = new Promise<ExchangeResult>((resolve) => (settle = resolve));
  let response: http.IncomingMessage | null = null;
  let request: http.ClientRequest | null = null;
  try {
    request = (secure ? https : http).request(options, (res) => {
      response = res;
      settle({ ok: true, response: res });
    });
    request.on('error', (error: Error) => settle({ ok: false, message: error.message }));
    request.end(exchange.body ?? undefined);
  } catch (error) {
    // node:http throws synchronously on options it refuses; the checks before should have caught them.
    settle({ ok: false, message: error instanceof Error ? error.message : 'the request could not be made' });
  }
  return {
    result,
    close() {
      // A response destroyed before its end may emit 'error' (ECONNRESET "aborted"); with no
      // listener that would be an uncaught exception in the server.
      response?.on('error', () => {}).destroy();
      request?.destroy();
    },
  };
}
