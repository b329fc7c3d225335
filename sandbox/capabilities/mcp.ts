/*
 * `ctx.mcp`: the upstream MCP servers a tool declares (`capabilities.mcp`), each with
 * `callTool(name, args)` and `listTools()`. The server process holds the connections
 * (src/capabilities/mcp/upstreams.ts); arguments cross as JSON made here, under the call's
 * CPU limit, and results come back as JSON (the tool result's structuredContent when it has
 * one, else its content). A failure is thrown at the line that called.
 */
import { freeze, parse, stringify } from '../prelude/intrinsics.js';
import { attempt, hostRequest } from './host-requests.js';

const TypeErrorCtor = TypeError;

function request(op: 'mcp.call' | 'mcp.list', body: () => string): Promise<unknown> {
  return attempt(() => hostRequest(op, body()).then((text) => parse(text) as unknown));
}

function callBody(server: string, tool: unknown, args: unknown): string {
  if (typeof tool !== 'string' || tool === '') throw new TypeErrorCtor(`ctx.mcp.${server}.callTool(name, args): the name must be a non-empty string.`);
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeErrorCtor(`ctx.mcp.${server}.callTool(${stringify(tool.slice(0, 100))}, args): args must be an object of the tool's arguments.`);
  return stringify({ server, tool, args });
}

/** One frozen object per call, with a member per declared server; `call(server, name, args)` reaches any (the server checks). */
export function createMcp(servers: readonly string[]): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const server of servers) {
    out[server] = freeze({
      callTool: freeze((tool: unknown, args: unknown = {}) => request('mcp.call', () => callBody(server, tool, args))),
      listTools: freeze(() => request('mcp.list', () => stringify({ server }))),
    });
  }
  // Frozen, functions included: the object without servers serves every call of the realm.
  out['call'] = freeze((server: unknown, tool: unknown, args: unknown = {}) =>
    request('mcp.call', () => {
      if (typeof server !== 'string') throw new TypeErrorCtor('ctx.mcp.call(server, name, args): the server must be a string.');
      return callBody(server, tool, args);
    }),
  );
  return freeze(out);
}
