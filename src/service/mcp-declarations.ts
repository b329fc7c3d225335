/**
 * TypeScript declarations of ctx.mcp (issue 15, item 5) for the upstream MCP servers a version
 * declares, from the tools each upstream lists (their input schemas), so that an agent writes
 * correct calls. The upstream is asked (and started, if it was not yet), bounded by
 * LIST_TIMEOUT_MS; one that cannot be listed is declared with `callTool(name: string, ...)`
 * only, and a comment that says why.
 */
import type { Capabilities } from '../model.js';
import type { Upstreams } from '../capabilities/mcp/upstreams.js';
import { docComment, schemaToType } from './schema-types.js';

const LIST_TIMEOUT_MS = 5_000;
/** Upstream tools declared one by one at most, per server; `callTool(name: string, ...)` covers the rest. */
const MAX_DECLARED_PER_SERVER = 50;

interface ListedTool {
  name: string;
  description: string;
  inputSchema: unknown;
}

/** The declaration of `ctx.mcp` for a version with these capabilities, or null when it declares no upstream. */
export async function mcpDeclaration(capabilities: Capabilities, upstreams: Upstreams): Promise<string | null> {
  const servers = capabilities.mcp;
  if (servers === undefined || servers.length === 0) return null;
  const lines = ["/** ctx.mcp: the upstream MCP servers this tool may call. A call resolves to the result's structuredContent, else its content array; an upstream error is thrown as McpToolError. */", 'interface Mcp {'];
  const listed = await Promise.all(servers.map((server) => upstreams.listTools(server, LIST_TIMEOUT_MS)));
  servers.forEach((server, i) => {
    const answer = listed[i]!;
    lines.push(`  ${server}: {`);
    if (!answer.ok) lines.push(`    /* Its tools could not be listed now: ${answer.message.replace(/\*\//g, '*\\/').slice(0, 300)} */`);
    else {
      for (const tool of (JSON.parse(answer.json) as ListedTool[]).slice(0, MAX_DECLARED_PER_SERVER)) {
        lines.push(`${docComment(tool.description, '    ')}    callTool(name: ${JSON.stringify(tool.name)}, args: ${schemaToType(tool.inputSchema, '    ')}): Promise<unknown>;`);
      }
    }
    lines.push('    callTool(name: string, args?: Record<string, unknown>): Promise<unknown>;');
    lines.push('    listTools(): Promise<Array<{ name: string; description: string; inputSchema: unknown }>>;');
    lines.push('  };');
  });
  lines.push('  call(server: string, name: string, args?: Record<string, unknown>): Promise<unknown>;', '}');
  return lines.join('\n');
}
