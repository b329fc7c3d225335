/**
 * The calls that fill a store for the queries docs/schema.md gives (for sqlite3 and for psql):
 * a tool that fails then is fixed, one that keeps kv, one that fetches, and a chain of nested
 * calls with a failure at the bottom. test/integration/docs-schema.test.ts and
 * docs-schema-postgres.test.ts make them on SQLite and on PostgreSQL alike.
 */
import { expect } from 'vitest';

import type { PersonaScope } from '../../src/service/index.js';
import type { LoopbackServer } from './loopback-server.js';
import { calling, createOk, CSV_STATS, DASHBOARD, failureOf, resultOf, WEEKLY_REPORT } from './tool-calls.js';

/** The config an engine needs for these calls: fetch to the loopback `upstream`. */
export const DOCS_SCHEMA_CONFIG = { capabilities: { fetch: { allow: ['127.0.0.1:*'] } } };

export async function makeDocsSchemaCalls(scope: PersonaScope, upstream: LoopbackServer): Promise<void> {
  const parse = 'export default ({ csv }: { csv: string }) => {\n  if (csv === "") throw new RangeError("empty csv");\n  return csv.split(",").length;\n};';
  await createOk(scope, 'parse_csv', parse);
  resultOf(await scope.runTool('parse_csv', { csv: 'a,b' }));
  failureOf(await scope.runTool('parse_csv', { csv: '' }));
  const edited = await scope.updateTool({ name: 'parse_csv', code: parse.replace('throw new RangeError("empty csv")', 'return 0') });
  expect(edited.ok).toBe(true);
  resultOf(await scope.runTool('parse_csv', { csv: '' }));
  await createOk(scope, 'counter', 'export default async (_: object, ctx: any) => {\n  const n = ((await ctx.kv.get("n")) ?? 0) + 1;\n  await ctx.kv.set("n", n);\n  return n;\n};');
  resultOf(await scope.runTool('counter', {}));
  resultOf(await scope.runTool('counter', {}));
  await createOk(scope, 'pinger', 'export default async ({ url }: { url: string }) => (await fetch(url)).status;', { capabilities: { fetch: [upstream.pattern] } });
  resultOf(await scope.runTool('pinger', { url: upstream.url('/a') }));
  resultOf(await scope.runTool('pinger', { url: upstream.url('/b') }));
  await createOk(scope, 'csv_stats', CSV_STATS);
  await createOk(scope, 'weekly_report', WEEKLY_REPORT, calling('csv_stats'));
  await createOk(scope, 'dashboard', DASHBOARD, calling('weekly_report'));
  resultOf(await scope.runTool('dashboard', { weeks: ['1,2', '3'] }));
  failureOf(await scope.runTool('csv_stats', { csv: '1,,2' }));
}
