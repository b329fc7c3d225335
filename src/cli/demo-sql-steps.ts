/** The demo's third act, a SQL tool (demo-sql-script.ts): two steps of the story. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import { diffLines, listing } from './demo-story.js';
import { DemoStepFailed, type DemoSession } from './demo-steps.js';
import { SQL_ARGUMENTS, SQL_BUG_COLUMN, SQL_BUG_LINE_NUMBER, SQL_BUGGY_LINE, SQL_DATASOURCE, SQL_DESCRIPTION, SQL_EXPECTED_ROWS, SQL_FIXED_LINE, SQL_TOOL, sqlSource } from './demo-sql-script.js';
import { terminalSafe } from '../terminal-text.js';

type Json = Record<string, unknown>;

const obj = (value: unknown): Json => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
const str = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'));

function check(condition: unknown, what: string, got?: unknown): asserts condition {
  if (!condition) throw new DemoStepFailed(`${what}.${got === undefined ? '' : ` Got: ${terminalSafe(str(got), { max: 600 })}`}`);
}

export async function runSqlSteps(s: DemoSession, databaseFile: string): Promise<void> {
  const { client, story, palette } = s;
  const call = async (name: string, args: Json): Promise<CallToolResult> =>
    (await client.callTool({ name, arguments: args }, undefined, { timeout: s.timeoutMs })) as CallToolResult;
  const create = (code: string) => call('create_tool', { name: SQL_TOOL, description: SQL_DESCRIPTION, language: 'sql', datasource: SQL_DATASOURCE, code });

  story.step(`A SQL tool: \`${SQL_TOOL}\`, one read-only query on the datasource \`${SQL_DATASOURCE}\``);
  story.say(`The demo made a small shop database (${databaseFile}); the server reads it as the datasource ${SQL_DATASOURCE}, opened read-only.`);
  story.say(`The agent writes the query with named parameters (:since, :top). Line ${SQL_BUG_LINE_NUMBER} sums a column the orders table does not have.`);
  story.say(listing(sqlSource(), SQL_BUG_LINE_NUMBER, palette));
  const refused = await create(sqlSource());
  const r = obj(refused.structuredContent);
  const error = obj(r['error']);
  const top = obj(Array.isArray(error['frames']) ? error['frames'][0] : undefined);
  check(refused.isError === true && r['saved'] === false && error['kind'] === 'compile' && top['line'] === SQL_BUG_LINE_NUMBER && top['column'] === SQL_BUG_COLUMN, `create_tool should refuse the query at line ${SQL_BUG_LINE_NUMBER}, column ${SQL_BUG_COLUMN}`, r);
  story.show(`${str(error['name'])}: ${str(error['message'])}\n  at ${str(top['function'])} (${str(top['file'])}:${str(top['line'])}:${str(top['column'])})\n${str(error['code_frame'])}`);
  story.fail('Nothing was saved: create_tool prepared the query against the database, and SQLite knows no column amount. The place is in the SQL as written.');

  story.step('Fix the column and create it again');
  story.say(diffLines(SQL_BUGGY_LINE, SQL_FIXED_LINE, palette));
  const created = await create(sqlSource(SQL_FIXED_LINE));
  const c = obj(created.structuredContent);
  const required = obj(c['input_schema'])['required'];
  check(!created.isError && c['saved'] === true && str(required) === str(['since', 'top']), `create_tool should save ${SQL_TOOL} with a schema requiring since and top`, c);
  story.ok(`Saved as version ${str(c['version'])}, with its input_schema derived from the parameters: ${str(required)}.`);
  const answered = await call(SQL_TOOL, { ...SQL_ARGUMENTS });
  const rows = obj(obj(answered.structuredContent)['result'])['rows'];
  check(!answered.isError && str(rows) === str(SQL_EXPECTED_ROWS), `${SQL_TOOL} should answer ${str(SQL_EXPECTED_ROWS)}`, answered.structuredContent);
  story.show(`${SQL_TOOL} ${JSON.stringify(SQL_ARGUMENTS)}\n${(rows as Json[]).map((row) => `${str(row['name'])}: ${str(row['orders'])} orders, ${str(row['spent'])}`).join('\n')}`);
  story.ok('Answered from the database, the arguments bound as values; the call and its query (rows, time) are in the log.');
}
