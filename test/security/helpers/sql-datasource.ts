/**
 * What the SQL attack files share (issue 16): a shop database to point a datasource at, and
 * tools made and called over MCP as an agent would (SQL tools take `language: "sql"` and a
 * `datasource`, which the harness's createTool does not pass).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { sampleSqlite } from '../../helpers/sample-sqlite.js';
import type { SecurityServer } from './harness.js';

/** A temporary folder with the shop database in it; remove() deletes both. */
export function shopDatabase(): { dir: string; file: string; digest: () => string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sec-sql-'));
  const file = sampleSqlite(dir);
  return {
    dir,
    file,
    digest: () => createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** create_tool for a SQL tool; its structuredContent. */
export async function createSqlTool(server: SecurityServer, name: string, code: string, datasource = 'shop', extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return structured(await createFresh(server, { name, description: `security test ${name}`, language: 'sql', datasource, code, ...extra }));
}

/** create_tool; a tool left by the first try of a retried attack is deleted first (as harness.ts does). */
async function createFresh(server: SecurityServer, args: Record<string, unknown>): Promise<CallToolResult> {
  const created = await server.call('create_tool', args);
  if (!created.isError || !/already exists/.test(JSON.stringify(created.structuredContent))) return created;
  await server.call('delete_tool', { name: args['name'] });
  return server.call('create_tool', args);
}

/** create_tool for a code tool with capabilities; fails the test if refused. */
export async function createCodeTool(server: SecurityServer, name: string, code: string, capabilities: Record<string, unknown>): Promise<void> {
  const result = await createFresh(server, { name, description: `security test ${name}`, code, capabilities });
  expect(result.isError, JSON.stringify(result.structuredContent)).toBeFalsy();
  expect(result.structuredContent).toMatchObject({ saved: true });
}

export function structured(result: CallToolResult): Record<string, unknown> {
  return (result.structuredContent ?? {});
}
