/**
 * The scripted agent of `chameleon demo`, step by step. Each step calls the server the way an
 * agent would, checks the structuredContent it gets back against the script, and narrates.
 * A mismatch throws DemoStepFailed, which ends the demo with exit code 1.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import {
  BUG_LINE_NUMBER,
  BUGGY_LINE,
  BUGGY_SOURCE,
  CALL_ARGUMENTS,
  DESCRIPTION,
  EXPECTED_VALUE,
  FIXED_LINE,
  FIXED_SOURCE,
  INPUT_SCHEMA,
  TESTS,
  TOOL_NAME,
  WRONG_FIX_LINE,
} from './demo-script.js';
import { diffLines, listing, type Story } from './demo-story.js';
import { formatDuration, shortTime } from './log-view.js';
import { renderTable, type Palette } from './table.js';
import { terminalSafe } from '../terminal-text.js';

export class DemoStepFailed extends Error {
  override readonly name = 'DemoStepFailed';
}

export interface DemoSession {
  client: Client;
  story: Story;
  palette: Palette;
  persona: string;
  timeoutMs: number;
  listChangedCount(): number;
  serverPid(): number | null;
}

const META_TOOLS = ['create_tool', 'update_tool', 'edit_tool', 'get_tool', 'list_tools', 'rollback_tool', 'delete_tool', 'run_tool', 'get_last_error', 'list_executions', 'get_execution'];

type Json = Record<string, unknown>;

function expect(condition: unknown, what: string, got?: unknown): asserts condition {
  if (!condition) {
    const detail = got === undefined ? '' : ` Got: ${terminalSafe(str(got), { max: 600 })}`;
    throw new DemoStepFailed(`${what}.${detail}`);
  }
}

/** Server values for the story: strings and numbers as they are, anything else as JSON. */
function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? 'undefined';
}

function obj(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function textOf(result: CallToolResult): string {
  return result.content
    .filter((c): c is { type: 'text'; text: string } => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
}

export async function runDemoSteps(s: DemoSession): Promise<void> {
  const { client, story, palette } = s;
  const since = new Date().toISOString();
  const call = async (name: string, args: Json): Promise<CallToolResult> =>
    (await client.callTool({ name, arguments: args }, undefined, { timeout: s.timeoutMs })) as CallToolResult;

  // 1. (connected by the caller) The meta-tools are there.
  const listed = (await client.listTools()).tools.map((t) => t.name);
  const missing = META_TOOLS.filter((m) => !listed.includes(m));
  expect(missing.length === 0, `the server should list the ${META_TOOLS.length} meta-tools; missing: ${missing.join(', ')}`);
  expect(!listed.includes(TOOL_NAME), `persona ${s.persona} already has a tool named \`${TOOL_NAME}\`: run the demo on a fresh database (without --db) or with another --persona`);
  const info = client.getServerVersion();
  story.ok(`Connected to ${terminalSafe(info?.name ?? 'the server', { max: 40 })} ${terminalSafe(info?.version ?? '', { max: 20 })} (pid ${s.serverPid() ?? '?'}), persona ${s.persona}: ${META_TOOLS.length} meta-tools, ${listed.length - META_TOOLS.length} stored tools.`);

  // 2. create_tool with the bug.
  story.step(`Create a TypeScript tool \`${TOOL_NAME}\` with create_tool`);
  story.say('The agent writes a memoised Fibonacci. Line 9 has an off-by-one: it reads one entry past the memo table.');
  story.say(listing(BUGGY_SOURCE, BUG_LINE_NUMBER, palette));
  const changesBefore = s.listChangedCount();
  story.say(`It declares ${TESTS.length} tests with it (${TESTS.map((t) => t.name).join(', ')}): every later patch must pass them before it goes live.`);
  const created = await call('create_tool', { name: TOOL_NAME, description: DESCRIPTION, code: BUGGY_SOURCE, language: 'typescript', input_schema: INPUT_SCHEMA, tests: TESTS });
  const c = obj(created.structuredContent);
  expect(!created.isError && c['saved'] === true && c['version'] === 1, 'create_tool should save version 1', created.structuredContent ?? textOf(created));
  await waitFor(() => s.listChangedCount() > changesBefore, 5_000);
  expect(s.listChangedCount() > changesBefore, 'the server should send notifications/tools/list_changed after create_tool');
  const nowListed = (await client.listTools()).tools.some((t) => t.name === TOOL_NAME);
  expect(nowListed, `\`${TOOL_NAME}\` should now be listed as a tool of its own`);
  story.ok(`Saved as version 1. The server sent tools/list_changed; \`${TOOL_NAME}\` is now a tool of its own.`);

  // 3. Call it: it fails.
  story.step(`Call ${TOOL_NAME} ${JSON.stringify(CALL_ARGUMENTS)}`);
  const failed = await call(TOOL_NAME, { ...CALL_ARGUMENTS });
  const f = obj(failed.structuredContent);
  expect(failed.isError === true && f['status'] === 'FAILURE', 'the first call should fail (isError, status FAILURE)', failed.structuredContent ?? textOf(failed));
  const firstError = obj(f['error']);
  expect(firstError['kind'] === 'exception' && firstError['name'] === 'TypeError', 'the failure should be a TypeError exception', firstError);
  story.say('The call fails, and the result already says what and where:');
  story.show(textOf(failed).split('\n').slice(0, 2).join('\n'));
  story.fail(`isError: true, execution ${terminalSafe(str(f['execution_id']), { max: 60 })}. The bug bites, as scripted.`);

  // 4. get_last_error points at the line.
  story.step('Ask what went wrong: get_last_error');
  const last = await call('get_last_error', { tool_name: TOOL_NAME });
  const l = obj(last.structuredContent);
  const error = obj(l['error']);
  const frames = Array.isArray(error['frames']) ? error['frames'].map(obj) : [];
  const top = frames[0] ?? {};
  expect(!last.isError && l['execution_id'] === f['execution_id'] && l['version'] === 1, 'get_last_error should return the failed call of version 1', l);
  expect(top['function'] === 'fibonacci' && top['line'] === BUG_LINE_NUMBER, `the innermost frame should be fibonacci at line ${BUG_LINE_NUMBER}`, frames);
  const codeFrame = typeof error['code_frame'] === 'string' ? error['code_frame'] : '';
  expect(codeFrame.includes(BUGGY_LINE.trim()), 'the code frame should show the buggy line', codeFrame);
  story.say(`Execution ${terminalSafe(str(l['execution_id']), { max: 60 })}: ${terminalSafe(`${str(error['name'])}: ${str(error['message'])}`, { max: 200 })}`);
  story.say('Frames, innermost first, in the lines the agent wrote:');
  story.show(frames.map((fr) => `at ${str(fr['function'] || '<anonymous>')} (${str(fr['file'] ?? `${TOOL_NAME}.ts`)}:${str(fr['line'])}:${str(fr['column'])})`).join('\n'));
  story.say('Code frame:');
  story.show(codeFrame);
  story.ok(`The bug is on line ${BUG_LINE_NUMBER}, column ${str(top['column'])}: \`${BUGGY_LINE.trim()}\``);

  // 5. edit_tool: the one line, not the whole file. The first attempt is wrong: the gate stops it.
  story.step('Patch it: edit_tool, through the regression gate');
  story.say('The agent sends only the line it changes (old_string must occur once in the source). Its first attempt:');
  story.say(diffLines(BUGGY_LINE, WRONG_FIX_LINE, palette));
  const attempt = await call('edit_tool', { name: TOOL_NAME, edits: [{ old_string: BUGGY_LINE, new_string: WRONG_FIX_LINE }] });
  const a = obj(attempt.structuredContent);
  expect(attempt.isError === true && a['refused_by'] === 'gate' && a['version'] === 2 && a['active_version'] === 1, 'the gate should refuse the wrong patch: version 2 saved inactive, version 1 still active', attempt.structuredContent ?? textOf(attempt));
  story.say('Before version 2 goes live, the gate runs the declared tests against it in the sandbox:');
  story.show(gateExcerpt(textOf(attempt)));
  story.fail('Refused: version 2 is kept in the history but never served. Version 1 stays active.');
  story.say('The second attempt:');
  story.say(diffLines(BUGGY_LINE, FIXED_LINE, palette));
  const updated = await call('edit_tool', { name: TOOL_NAME, edits: [{ old_string: BUGGY_LINE, new_string: FIXED_LINE }] });
  const u = obj(updated.structuredContent);
  const gate = obj(u['gate']);
  expect(!updated.isError && u['saved'] === true && u['version'] === 3 && gate['passed'] === true, 'edit_tool should pass the gate and activate version 3', updated.structuredContent ?? textOf(updated));
  const saved = obj((await call('get_tool', { name: TOOL_NAME })).structuredContent);
  expect(saved['source'] === FIXED_SOURCE, 'the active source should be the fixed one', saved['source']);
  story.ok(`The gate passed (${str(gate['tests'])} tests). Version 3 is active at once, under the same name. Versions 1 and 2 are kept (rollback_tool can go back).`);

  // 6. Call again: right answer.
  story.step(`Call ${TOOL_NAME} ${JSON.stringify(CALL_ARGUMENTS)} again`);
  const healed = await call(TOOL_NAME, { ...CALL_ARGUMENTS });
  const h = obj(healed.structuredContent);
  const value = obj(h['result'])['value'];
  expect(!healed.isError && h['status'] === 'SUCCESS' && h['version'] === 3, 'the second call should succeed on version 3', healed.structuredContent ?? textOf(healed));
  expect(value === EXPECTED_VALUE, `fibonacci(${CALL_ARGUMENTS.n}) should be ${EXPECTED_VALUE}`, value);
  story.show(textOf(healed));
  story.ok(`fibonacci(${CALL_ARGUMENTS.n}) = ${EXPECTED_VALUE}, as expected.`);

  // 7. The audit trail.
  story.step('The audit trail: list_executions');
  const audit = await call('list_executions', { tool_name: TOOL_NAME, since });
  const rows = Array.isArray(obj(audit.structuredContent)['executions']) ? (obj(audit.structuredContent)['executions'] as unknown[]).map(obj) : [];
  const trail = rows.map((r) => `${str(r['status'])}@${str(r['version'])}`);
  // The gate's cases are not calls: they are in the version's report, not in the log.
  expect(!audit.isError && trail.join(',') === 'SUCCESS@3,FAILURE@1', 'list_executions should show the failed call of version 1, then the good call of version 3', trail);
  story.say(auditTable(rows, palette));
  story.ok('Every call is on record: which version ran, how it ended, how long it took.');
}

/** The gate's first failing case, as the refusal's text gives it: the case, before, after and where. */
function gateExcerpt(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('[FAILED]'));
  if (start < 0) return lines.slice(0, 6).join('\n');
  const end = lines.findIndex((l, i) => i > start && (l.startsWith('[') || l === ''));
  return lines.slice(start, end < 0 ? start + 8 : end).join('\n');
}

function auditTable(rows: Json[], palette: Palette): string {
  return renderTable<Json>(
    [
      { header: 'TIME (UTC)', value: (r) => shortTime(str(r['timestamp'])), max: 23 },
      { header: 'TOOL', value: (r) => `${str(r['tool'])}@${str(r['version'])}`, max: 30 },
      { header: 'STATUS', value: (r) => str(r['status']), colour: (r) => (r['status'] === 'SUCCESS' ? 'green' : 'red') },
      { header: 'DURATION', value: (r) => formatDuration(typeof r['duration_ms'] === 'number' ? r['duration_ms'] : null), align: 'right' },
      {
        header: 'ERROR',
        value: (r) => {
          const e = obj(r['error']);
          const at = obj(e['top_frame']);
          return r['error'] ? `line ${str(at['line'] ?? '?')}: ${str(e['name'])}: ${str(e['message'])}` : '-';
        },
        max: 90,
      },
    ],
    [...rows].reverse(),
    { palette },
  );
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}
