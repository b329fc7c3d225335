/**
 * Helpers for the attacks on ctx.tools (issue 15): tools that call tools, created through the
 * MCP server as an agent would, with their capabilities.tools. Added beside harness.ts, which
 * they only use: `createCaller` sends `capabilities` itself (harness.ts's ToolOptions has none).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { textOf, type ToolOptions } from './harness.js';

/** Anything that can call the meta-tools: a harness server or a peer. */
export interface Agent {
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
}

/** Creates a tool that may call `tools` (names or "*"); fails the test if it is refused. */
export async function createCaller(agent: Agent, name: string, code: string, tools: string[], options: ToolOptions = {}): Promise<void> {
  const args = { name, code, description: options.description ?? `tool-call attack ${name}`, ...options, capabilities: { tools } };
  let out = await agent.call('create_tool', args);
  // A retried attack runs on the same server (as harness.ts's createTool does): start afresh.
  if (out.isError && /already exists/.test(textOf(out))) {
    await agent.call('delete_tool', { name });
    out = await agent.call('create_tool', args);
  }
  expect(out.isError, `create_tool ${name}: ${textOf(out)}`).toBeFalsy();
}

/** get_execution's structured content for an id. */
export async function executionOf(agent: Agent, id: string): Promise<Record<string, unknown>> {
  const out = await agent.call('get_execution', { id });
  expect(out.isError, textOf(out)).toBeFalsy();
  return out.structuredContent!;
}

/** Every call in a get_execution tree (`calls`, at every depth). */
export function callsIn(execution: Record<string, unknown>): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const walk = (calls: unknown): void => {
    for (const call of (calls as Array<Record<string, unknown>> | undefined) ?? []) {
      out.push(call);
      walk(call['calls']);
    }
  };
  walk(execution['calls']);
  return out;
}
