/**
 * TypeScript declarations of ctx.tools (issue 15), made from the input schemas of the tools a
 * version may call, so that an agent writes correct calls: get_tool returns them. Tools return
 * JSON whose shape no schema states, so every call resolves to `unknown`.
 */
import { ANY_TOOL } from '../capabilities/manifest.js';
import type { Capabilities, VersionRecord } from '../model.js';
import { docComment, schemaToType } from './schema-types.js';

/** Tools declared one by one at most; past it (or with "*"), ctx.tools.call(name, args) covers the rest. */
export const MAX_DECLARED_TOOLS = 50;

/** What the declaration needs of a callee: its active version, or undefined when it does not exist. */
export type CalleeLookup = (name: string) => (Pick<VersionRecord, 'toolName' | 'version' | 'description' | 'inputSchema'> & { kind?: VersionRecord['kind'] }) | undefined;

/** `name(args: {...}): Promise<unknown>;` for one tool, as other tools call it. */
export function callSignature(tool: Pick<VersionRecord, 'toolName' | 'inputSchema'>, indent = ''): string {
  return `${tool.toolName}(args: ${schemaToType(tool.inputSchema, indent)}): Promise<unknown>;`;
}

/**
 * The declaration of `ctx.tools` for a version with these capabilities, or null when it may
 * call no tool. With `"*"`, `listed` names the persona's tools (the first MAX_DECLARED_TOOLS),
 * described for ctx.tools.call only.
 */
export function toolsDeclaration(capabilities: Capabilities, lookup: CalleeLookup, listed: () => string[]): string | null {
  const declared = capabilities.tools;
  if (declared === undefined || declared.length === 0) return null;
  const any = declared.includes(ANY_TOOL);
  const names = (any ? listed() : declared).slice(0, MAX_DECLARED_TOOLS);
  const lines = ['/** ctx.tools: calls of your other tools. Each resolves to the callee\'s result (JSON) or rejects with a ToolCallError. */', 'interface Tools {'];
  const argsOf: string[] = [];
  for (const name of names) {
    const callee = lookup(name);
    if (callee?.kind === 'library') {
      // Imported, never called: runTool refuses it.
      if (!any) lines.push(`  /** ${name} is a library: import it (\`import { ... } from "lib:${name}"\`), it cannot be called. */`);
      continue;
    }
    if (callee === undefined) {
      lines.push(`  /** ${name} does not exist yet: calls are refused until it is created. */`);
      if (!any && name !== 'call') lines.push(`  ${name}(args: Record<string, unknown>): Promise<unknown>;`);
      continue;
    }
    const doc = docComment(`${callee.description} (version ${callee.version})`, '  ');
    if (!any && name !== 'call') lines.push(`${doc}  ${callSignature(callee, '  ')}`);
    argsOf.push(`  call(name: ${JSON.stringify(name)}, args: ${schemaToType(callee.inputSchema, '  ')}): Promise<unknown>;`);
  }
  lines.push(...argsOf, '  call(name: string, args?: Record<string, unknown>): Promise<unknown>;', '}', '', ...TOOL_CALL_ERROR);
  return lines.join('\n');
}

const TOOL_CALL_ERROR = [
  '/** Thrown at the calling line when the called tool fails; uncaught, the traceback spans both tools. */',
  'interface ToolCallError extends Error {',
  "  name: 'ToolCallError';",
  '  tool: string;',
  '  version: number;',
  '  executionId: string;',
  "  kind: 'exception' | 'timeout' | 'memory' | 'invalid_arguments' | 'invalid_result' | 'internal' | 'overloaded' | 'compile';",
  '  /** The callee\'s own error. */',
  '  error: { name: string; message: string };',
  '  /** Where in the callee, innermost first. */',
  '  frames: Array<{ function: string; tool: string; version: number; file: string; line: number; column: number }>;',
  '}',
];
