/**
 * The demo's second act (issue 14): a tool that reaches the world. The scripted agent writes a
 * `weather` tool that fetches a forecast from a small HTTP server the demo runs on loopback,
 * with `capabilities.fetch` naming that server, and a ctx.kv counter of lookups. The tool counts
 * the lookup, then reads a field the service does not send (`temperature`; it sends `temp_c`)
 * and fails at that line: its kv write is dropped with it. A one-line patch heals it. Kept apart from the runner so tests can quote it.
 */
import http from 'node:http';

export const WORLD_TOOL = 'weather';

export const WORLD_DESCRIPTION = 'Current temperature of a city, from the forecast service; counts lookups per city in ctx.kv.';

export const WORLD_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string', minLength: 1, maxLength: 80 } },
  required: ['city'],
  additionalProperties: false,
} as const;

export const WORLD_BUGGY_LINE = '  const celsius = data.current.temperature.toFixed(1);';
export const WORLD_FIXED_LINE = '  const celsius = data.current.temp_c.toFixed(1);';
export const WORLD_BUG_LINE_NUMBER = 9;

/** The source, for the forecast service at `origin` (http://localhost:<port>). */
export function worldSource(origin: string, line = WORLD_BUGGY_LINE): string {
  return [
    `const SERVICE = ${JSON.stringify(origin)};`,
    '',
    'export default async function weather({ city }: { city: string }, ctx: any) {',
    '  const res = await fetch(`${SERVICE}/forecast?city=${encodeURIComponent(city)}`);',
    '  if (!res.ok) throw new Error(`forecast service answered ${res.status}`);',
    '  const data = await res.json();',
    '  const lookups = ((await ctx.kv.get(`lookups:${city}`)) ?? 0) + 1;',
    '  await ctx.kv.set(`lookups:${city}`, lookups);',
    line,
    '  return { city, celsius: Number(celsius), lookups };',
    '}',
    '',
  ].join('\n');
}

export const WORLD_ARGUMENTS = { city: 'Lyon' } as const;
export const WORLD_EXPECTED_CELSIUS = 7.5;

/** The forecast service: one route, JSON, on a loopback port the system picks. */
export async function startForecastService(): Promise<{ origin: string; port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/forecast') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const city = url.searchParams.get('city') ?? '';
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ city, current: { temp_c: WORLD_EXPECTED_CELSIUS, wind_kph: 11 } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    origin: `http://localhost:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
