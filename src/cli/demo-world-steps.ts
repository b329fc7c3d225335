/**
 * The demo's second act: a tool with a capability (demo-world-script.ts). The agent creates a
 * `weather` tool allowed to fetch from the demo's forecast service, calls it, reads where it
 * failed, patches the line and calls it again; the execution record shows what the call did
 * outside itself (the request, the kv reads and writes) without bodies or values.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import { diffLines, listing } from './demo-story.js';
import { DemoStepFailed, type DemoSession } from './demo-steps.js';
import {
  WORLD_ARGUMENTS,
  WORLD_BUG_LINE_NUMBER,
  WORLD_BUGGY_LINE,
  WORLD_DESCRIPTION,
  WORLD_EXPECTED_CELSIUS,
  WORLD_FIXED_LINE,
  WORLD_SCHEMA,
  WORLD_TOOL,
  worldSource,
} from './demo-world-script.js';
import { terminalSafe } from '../terminal-text.js';

type Json = Record<string, unknown>;

const obj = (value: unknown): Json => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
const str = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'));

function check(condition: unknown, what: string, got?: unknown): asserts condition {
  if (!condition) throw new DemoStepFailed(`${what}.${got === undefined ? '' : ` Got: ${terminalSafe(str(got), { max: 600 })}`}`);
}

export async function runWorldSteps(s: DemoSession, service: { origin: string; port: number }): Promise<void> {
  const { client, story, palette } = s;
  const call = async (name: string, args: Json): Promise<CallToolResult> =>
    (await client.callTool({ name, arguments: args }, undefined, { timeout: s.timeoutMs })) as CallToolResult;
  const host = `localhost:${service.port}`;

  story.step(`A tool that reaches the world: \`${WORLD_TOOL}\`, allowed to fetch from ${host}`);
  story.say(`The demo runs a forecast service at ${service.origin}; the server's config allows tools to fetch from it and nowhere else.`);
  story.say(`The agent declares it needs that host (capabilities.fetch), and keeps a lookup counter in ctx.kv. Line ${WORLD_BUG_LINE_NUMBER} reads a field the service does not send.`);
  const source = worldSource(service.origin);
  story.say(listing(source, WORLD_BUG_LINE_NUMBER, palette));
  const created = await call('create_tool', { name: WORLD_TOOL, description: WORLD_DESCRIPTION, code: source, input_schema: WORLD_SCHEMA, capabilities: { fetch: [host] } });
  check(!created.isError && obj(created.structuredContent)['saved'] === true, `create_tool should save ${WORLD_TOOL}`, created.structuredContent);
  const failed = await call(WORLD_TOOL, { ...WORLD_ARGUMENTS });
  const f = obj(failed.structuredContent);
  const error = obj(f['error']);
  const top = obj(Array.isArray(error['frames']) ? error['frames'][0] : undefined);
  check(failed.isError === true && error['name'] === 'TypeError' && top['line'] === WORLD_BUG_LINE_NUMBER, `the first call should fail with a TypeError at line ${WORLD_BUG_LINE_NUMBER}`, f);
  story.show(`${str(error['name'])}: ${str(error['message'])}\n  at ${str(top['function'] || '<anonymous>')} (${str(top['file'])}:${str(top['line'])}:${str(top['column'])})`);
  story.fail('The request went through and the lookup was counted, then the tool read `data.current.temperature`, which is not there. The failed call\'s kv write is dropped with it.');

  story.step('Patch the field and call again');
  story.say(diffLines(WORLD_BUGGY_LINE, WORLD_FIXED_LINE, palette));
  const updated = await call('update_tool', { name: WORLD_TOOL, code: worldSource(service.origin, WORLD_FIXED_LINE) });
  check(!updated.isError && obj(updated.structuredContent)['version'] === 2, `update_tool should save version 2 of ${WORLD_TOOL}`, updated.structuredContent);
  const healed = await call(WORLD_TOOL, { ...WORLD_ARGUMENTS });
  const h = obj(healed.structuredContent);
  const result = obj(h['result']);
  check(!healed.isError && result['celsius'] === WORLD_EXPECTED_CELSIUS && result['lookups'] === 1, `the call should return ${WORLD_EXPECTED_CELSIUS} °C and 1 lookup`, h);
  story.ok(`${WORLD_ARGUMENTS.city}: ${WORLD_EXPECTED_CELSIUS} °C, lookup 1: the count the failed call wrote was never kept.`);
  const execution = await call('get_execution', { id: str(h['execution_id']) });
  const effects = Array.isArray(obj(execution.structuredContent)['effects']) ? (obj(execution.structuredContent)['effects'] as unknown[]).map(obj) : [];
  check(effects.some((e) => e['op'] === 'fetch' && e['status'] === 200) && effects.some((e) => e['op'] === 'kv.set'), 'get_execution should list the fetch and the kv write of the call', effects);
  story.say('What the call did outside itself, from get_execution (no bodies, no values, no query values):');
  story.show(effects.map(describeEffect).join('\n'));
  story.ok('Every effect is on record with its execution.');
}

function describeEffect(e: Json): string {
  if (e['op'] === 'fetch') return `fetch ${str(e['method'])} ${str(e['origin'])}${str(e['path'])} -> ${str(e['status'])}, ${str(e['bytes'])} bytes, ${str(e['ms'])} ms`;
  return `${str(e['op'])} ${str(e['key'] ?? e['prefix'] ?? '')}`;
}
