/**
 * The per-version part of the checker's ambient types: `ToolContext` (what `ctx` is for a
 * version with these capabilities: sandbox/prelude.ts builds it) and `ToolArgs` (its input
 * schema as a type). The checker annotates the handler's parameters that the agent left
 * unannotated with these names (handler-annotations.ts), and an agent may write them itself
 * (`export default async function (args: ToolArgs, ctx: ToolContext)`).
 *
 * Pure text from data the server holds; no TypeScript is loaded here (the worker does that).
 */
import type { Capabilities } from '../model.js';
import { schemaToType } from '../service/schema-types.js';

export const AMBIENT_FILE = '/chameleon/tool-context.d.ts';

/** Type names the ambient file declares for the handler's parameters. */
export const ARGS_TYPE = 'ToolArgs';
export const CONTEXT_TYPE = 'ToolContext';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export interface AmbientInput {
  inputSchema: Record<string, unknown>;
  capabilities: Capabilities;
  /** tool-declarations.ts's `interface Tools` (and ToolCallError), or null when it may call no tool. */
  toolsDeclaration: string | null;
}

export function ambientDeclarations(input: AmbientInput): string {
  const { capabilities } = input;
  const tools = input.toolsDeclaration ?? ['interface Tools {', '  call(name: string, args?: Record<string, unknown>): Promise<unknown>;', '}'].join('\n');
  return [
    `/** The call's arguments, checked against the tool's input_schema before it runs. */`,
    `type ${ARGS_TYPE} = ${argsType(input.inputSchema)};`,
    '',
    tools,
    '',
    'interface ToolKv {',
    '  /** The JSON value stored under key, or undefined. */',
    '  get<T = any>(key: string): Promise<T | undefined>;',
    '  /** Stores value as JSON; writes of a call that fails are dropped. */',
    '  set(key: string, value: unknown): Promise<void>;',
    '  delete(key: string): Promise<boolean>;',
    '  list(options?: { prefix?: string; limit?: number }): Promise<{ keys: string[]; truncated: boolean }>;',
    '}',
    '',
    `/** ctx.mcp: the upstream MCP servers in capabilities.mcp. */`,
    `interface ToolMcp ${mcpType(capabilities.mcp)}`,
    '',
    `/** ctx.sql: a function for each datasource in capabilities.sql. */`,
    `interface ToolSql ${sqlType(capabilities.sql)}`,
    '',
    `interface ${CONTEXT_TYPE} {`,
    '  readonly persona: string;',
    '  readonly tool: { readonly name: string; readonly version: number };',
    '  readonly executionId: string;',
    '  log(...data: any[]): void;',
    '  readonly kv: ToolKv;',
    `  /** The placeholder of a secret in capabilities.secrets, for a request header. */`,
    `  secret(name: ${literalUnion(capabilities.secrets) ?? 'string'}): string;`,
    '  readonly mcp: ToolMcp;',
    '  readonly tools: Tools;',
    '  readonly sql: ToolSql;',
    '  /** Reports progress to a client that asked for it (notifications/progress). */',
    '  progress(done: number, total?: number, message?: string): void;',
    '}',
    '',
  ].join('\n');
}

/**
 * The schema as a type, or an open record when it names no property (the default
 * `{"type":"object"}`): the checker is advisory, and `unknown` members would flag every use of
 * arguments the agent did not describe.
 */
function argsType(schema: Record<string, unknown>): string {
  const properties = schema['properties'];
  const named = properties !== null && typeof properties === 'object' && Object.keys(properties).length > 0;
  if (!named) return '{ [key: string]: any }';
  return schemaToType(schema);
}

function literalUnion(names: readonly string[] | undefined): string | null {
  if (names === undefined || names.length === 0) return null;
  return names.map((n) => JSON.stringify(n)).join(' | ');
}

function memberName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

function mcpType(servers: readonly string[] | undefined): string {
  const members = (servers ?? []).map(
    (server) =>
      `  ${memberName(server)}: { callTool(name: string, args?: Record<string, unknown>): Promise<unknown>; listTools(): Promise<Array<{ name: string; description: string; inputSchema: unknown }>> };`,
  );
  return ['{', ...members, '  call(server: string, name: string, args?: Record<string, unknown>): Promise<unknown>;', '}'].join('\n');
}

function sqlType(datasources: readonly string[] | undefined): string {
  const result = '{ columns: string[]; rows: Array<Record<string, any>>; truncated: boolean }';
  const members = (datasources ?? []).map((name) => `  ${memberName(name)}(query: string, params?: Record<string, unknown>): Promise<${result}>;`);
  return ['{', ...members, '}'].join('\n');
}
