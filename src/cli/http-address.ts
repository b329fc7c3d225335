import { AppError } from '../errors.js';

export const DEFAULT_HTTP_PORT = 7878;

/** `PORT`, `HOST:PORT` or `[IPv6]:PORT`; the host defaults to 127.0.0.1 (loopback). */
export function parseHttpAddress(text: string): { host: string; port: number } {
  const bad = () =>
    new AppError('INVALID_CONFIG', `--http expects [HOST:]PORT, e.g. ${DEFAULT_HTTP_PORT} or 127.0.0.1:${DEFAULT_HTTP_PORT} or [::1]:${DEFAULT_HTTP_PORT}; got ${JSON.stringify(text)}.`);
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(text.trim());
  if (!match) throw bad();
  const port = Number(match[2]);
  if (port > 65_535) throw bad();
  const host = (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  return { host, port };
}
